package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
)

// planned is one module's next release.
type planned struct {
	Module, Prev, Next string
	Why                string // for a CHANGELOG without an Unreleased section
}

// plan works out the next version of every module that changed since its
// last release (or was never released), in requirement order: a module
// whose sibling gets a new version changes too, because its go.mod does.
func (r *repo) plan(w io.Writer) ([]planned, error) {
	m, err := r.readManifest()
	if err != nil {
		return nil, err
	}
	mods, err := r.modules()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "sansrtc-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bumped := map[string]string{}
	work := &tree{dir: r.root}
	olds := map[string]*tree{}
	var out []planned
	for _, mod := range mods {
		p, err := r.planModule(mod, m, bumped, work, olds, tmp)
		if err != nil {
			return nil, err
		}
		if p == nil {
			fmt.Fprintf(w, "%-16s unchanged\n", mod)
			continue
		}
		bumped[mod] = p.Next
		out = append(out, *p)
		fmt.Fprintf(w, "%-16s %s -> %s\n", mod, orNone(p.Prev), p.Next)
	}
	return out, nil
}

func (r *repo) planModule(mod string, m manifest, bumped map[string]string, work *tree, olds map[string]*tree, tmp string) (*planned, error) {
	last, ok := m.latest(mod)
	if !ok {
		return &planned{Module: mod, Next: firstVersion, Why: "First release."}, nil
	}
	changed, err := r.changedSince(mod, last.Commit)
	if err != nil {
		return nil, err
	}
	var deps []string
	f, err := r.modFile(mod, "")
	if err != nil {
		return nil, err
	}
	for _, req := range f.Require {
		if sib, ok := strings.CutPrefix(req.Mod.Path, modulePrefix); ok && bumped[sib] != "" {
			deps = append(deps, sib+" "+bumped[sib])
		}
	}
	if !changed && len(deps) == 0 {
		return nil, nil
	}
	old, ok := olds[last.Commit]
	if !ok {
		if old, err = r.extract(last.Commit, tmp); err != nil {
			return nil, err
		}
		olds[last.Commit] = old
	}
	ch, err := compareAPI(mod, old, work)
	if err != nil {
		return nil, err
	}
	why := "Maintenance release."
	if len(deps) > 0 {
		why = "Requires " + strings.Join(deps, ", ") + "."
	}
	return &planned{Module: mod, Prev: last.Version, Next: next(last.Version, ch.Need), Why: why}, nil
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// tag releases the planned versions: it pins the sibling requirements,
// dates the CHANGELOG sections, commits, records the commit in the manifest
// (a second commit) and creates the tags.
func (r *repo) tag(noCommit bool) error {
	if !noCommit {
		status, err := r.git("status", "--porcelain")
		if err != nil {
			return err
		}
		if len(status) > 0 {
			return fmt.Errorf("the working tree has uncommitted changes; commit them first")
		}
	}
	p, err := r.plan(os.Stdout)
	if err != nil {
		return err
	}
	if len(p) == 0 {
		fmt.Println("nothing to release")
		return nil
	}
	if err := r.applyPlan(p); err != nil {
		return err
	}
	if noCommit {
		fmt.Println("files edited; not committed (-no-commit)")
		return nil
	}
	return r.commitAndTag(p)
}

// applyPlan edits every go.mod requirement and the released CHANGELOGs.
func (r *repo) applyPlan(p []planned) error {
	versions := map[string]string{}
	for _, x := range p {
		versions[x.Module] = x.Next
	}
	mods, err := r.modules()
	if err != nil {
		return err
	}
	for _, mod := range mods {
		if err := r.pinRequires(mod, versions); err != nil {
			return err
		}
	}
	date := time.Now().UTC().Format("2006-01-02")
	for _, x := range p {
		path := filepath.Join(r.root, x.Module, "CHANGELOG.md")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := releaseChangelog(string(data), x.Next, date, x.Why)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pinRequires sets mod's sibling requirements to the new versions, keeping
// its replace lines (Go ignores them for dependents).
func (r *repo) pinRequires(mod string, versions map[string]string) error {
	path := filepath.Join(r.root, mod, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return err
	}
	changed := false
	for _, req := range f.Require {
		sib, ok := strings.CutPrefix(req.Mod.Path, modulePrefix)
		if v := versions[sib]; ok && v != "" && req.Mod.Version != v {
			if err := f.AddRequire(req.Mod.Path, v); err != nil {
				return err
			}
			changed = true
		}
	}
	if !changed {
		return nil
	}
	out, err := f.Format()
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// commitAndTag commits the release, then the manifest naming it, and tags.
func (r *repo) commitAndTag(p []planned) error {
	var names []string
	for _, x := range p {
		names = append(names, x.Module+" "+x.Next)
	}
	msg := "release: " + strings.Join(names, ", ")
	if _, err := r.git("commit", "-a", "-q", "-m", msg); err != nil {
		return err
	}
	head, err := r.git("rev-parse", "HEAD")
	if err != nil {
		return err
	}
	commit := strings.TrimSpace(string(head))
	m, err := r.readManifest()
	if err != nil {
		return err
	}
	for _, x := range p {
		m = append(m, release{Module: x.Module, Version: x.Next, Commit: commit})
	}
	if err := r.writeManifest(m); err != nil {
		return err
	}
	if _, err := r.git("add", manifestPath); err != nil {
		return err
	}
	if _, err := r.git("commit", "-q", "-m", "release: "+manifestPath+" names "+commit[:12]); err != nil {
		return err
	}
	for _, x := range p {
		rel := release{Module: x.Module, Version: x.Next}
		if _, err := r.git("tag", rel.Tag(), commit); err != nil {
			return err
		}
		fmt.Println("tagged", rel.Tag(), commit[:12])
	}
	return nil
}
