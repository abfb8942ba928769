package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// checker collects the problems a check finds, so one run reports them all.
type checker struct {
	problems []string
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.problems, "\n"))
}

// check runs every release check (see the package doc).
func (r *repo) check(keep bool) error {
	m, err := r.readManifest()
	if err != nil {
		return err
	}
	mods, err := r.modules()
	if err != nil {
		return err
	}
	c := &checker{}
	r.checkManifest(c, m, mods)
	r.checkRequirements(c, m, mods)
	r.checkChangelogs(c, m, mods)
	if err := c.err(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sansrtc-release-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("temporary files kept in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if err := r.checkAPIs(c, m, mods, tmp); err != nil {
		return err
	}
	if len(m) == 0 {
		fmt.Println("no release in", manifestPath, "yet: consumers not built")
		return c.err()
	}
	if err := r.checkConsumers(c, m, mods, tmp); err != nil {
		return err
	}
	if err := c.err(); err != nil {
		return err
	}
	fmt.Println("release check: ok")
	return nil
}

// checkManifest: every module is released, every release's commit is on
// HEAD's history, and local tags agree with the manifest.
func (r *repo) checkManifest(c *checker, m manifest, mods []string) {
	known := map[string]bool{}
	for _, mod := range mods {
		known[mod] = true
		if _, ok := m.latest(mod); !ok && len(m) > 0 {
			c.fail("%s: no release in %s", mod, manifestPath)
		}
	}
	seen := map[string]bool{}
	for _, x := range m {
		if !known[x.Module] {
			c.fail("%s: %s names a module the repository does not have", manifestPath, x.Tag())
		}
		if seen[x.Tag()] {
			c.fail("%s: %s listed twice", manifestPath, x.Tag())
		}
		seen[x.Tag()] = true
		if _, err := r.git("merge-base", "--is-ancestor", x.Commit, "HEAD"); err != nil {
			c.fail("%s: commit %s is not on HEAD's history", x.Tag(), x.Commit)
			continue
		}
		out, err := r.git("tag", "--list", x.Tag())
		if err != nil || strings.TrimSpace(string(out)) == "" {
			continue // a clone without tags: the manifest decides
		}
		at, err := r.git("rev-parse", "refs/tags/"+x.Tag()+"^{commit}")
		if err != nil || strings.TrimSpace(string(at)) != x.Commit {
			c.fail("tag %s points at %s, the manifest says %s", x.Tag(), strings.TrimSpace(string(at)), x.Commit)
		}
	}
}

// checkRequirements: each sibling requirement names the latest release of
// that sibling, in the working tree and at every released commit.
func (r *repo) checkRequirements(c *checker, m manifest, mods []string) {
	for _, mod := range mods {
		r.checkRequires(c, m, mod, "", "")
	}
	for _, x := range m {
		r.checkRequires(c, m, x.Module, x.Commit, x.Version)
	}
}

func (r *repo) checkRequires(c *checker, m manifest, mod, commit, version string) {
	f, err := r.modFile(mod, commit)
	if err != nil {
		c.fail("%v", err)
		return
	}
	where := mod + "/go.mod"
	if commit != "" {
		where = mod + "/go.mod at " + mod + "/" + version
	}
	for _, req := range f.Require {
		sib, ok := strings.CutPrefix(req.Mod.Path, modulePrefix)
		if !ok {
			continue
		}
		want := "v0.0.0" // no release yet
		if commit != "" {
			want = versionAt(m, sib, commit)
		} else if last, ok := m.latest(sib); ok {
			want = last.Version
		}
		if req.Mod.Version != want && !(want == "v0.0.0" && isZeroVersion(req.Mod.Version)) {
			c.fail("%s requires %s %s, want %s", where, sib, req.Mod.Version, want)
		}
	}
}

// versionAt is the version of sib that was current when commit was
// released: the last release of sib listed no later than commit's last line
// (the manifest is appended in release order).
func versionAt(m manifest, sib, commit string) string {
	end := -1
	for i, x := range m {
		if x.Commit == commit {
			end = i
		}
	}
	v := "v0.0.0"
	for i := 0; i <= end; i++ {
		if m[i].Module == sib {
			v = m[i].Version
		}
	}
	return v
}

// checkChangelogs: every release has a heading, and a module changed since
// its last release has a non-empty Unreleased section.
func (r *repo) checkChangelogs(c *checker, m manifest, mods []string) {
	for _, mod := range mods {
		data, err := r.readFile(mod+"/CHANGELOG.md", "")
		if err != nil {
			c.fail("%s: no CHANGELOG.md", mod)
			continue
		}
		text := string(data)
		headings := map[string]bool{}
		for _, h := range changelogHeadings(text) {
			headings[h] = true
		}
		for _, x := range m.history(mod) {
			if !headings[x.Version] {
				c.fail("%s/CHANGELOG.md has no \"## %s\" section", mod, x.Version)
			}
		}
		last, released := m.latest(mod)
		changed := true
		if released {
			if changed, err = r.changedSince(mod, last.Commit); err != nil {
				c.fail("%v", err)
				continue
			}
		}
		if changed && unreleasedEntries(text) == 0 {
			c.fail("%s changed since its last release: CHANGELOG.md needs a \"## Unreleased\" section with entries for its next version", mod)
		}
	}
}

// checkAPIs compares each release with the one before it (failing on a bump
// too small for the change) and the working tree with the last release
// (printing the bump the next release needs).
func (r *repo) checkAPIs(c *checker, m manifest, mods []string, tmp string) error {
	trees := map[string]*tree{"": {dir: r.root}}
	treeAt := func(commit string) (*tree, error) {
		if t, ok := trees[commit]; ok {
			return t, nil
		}
		t, err := r.extract(commit, tmp)
		trees[commit] = t
		return t, err
	}
	for _, mod := range mods {
		hist := m.history(mod)
		for i := 1; i < len(hist); i++ {
			a, err := treeAt(hist[i-1].Commit)
			if err != nil {
				return err
			}
			b, err := treeAt(hist[i].Commit)
			if err != nil {
				return err
			}
			ch, err := compareAPI(mod, a, b)
			if err != nil {
				return err
			}
			if !allows(hist[i-1].Version, hist[i].Version, ch.Need) {
				c.fail("%s %s → %s is too small a bump for a %s change:\n  %s", mod, hist[i-1].Version,
					hist[i].Version, ch.Need, strings.Join(ch.Messages, "\n  "))
			}
		}
		if len(hist) == 0 {
			fmt.Printf("%-16s unreleased: next %s\n", mod, firstVersion)
			continue
		}
		last := hist[len(hist)-1]
		old, err := treeAt(last.Commit)
		if err != nil {
			return err
		}
		ch, err := compareAPI(mod, old, trees[""])
		if err != nil {
			return err
		}
		fmt.Printf("%-16s %s, API since: %s change (%d notes), next %s\n", mod, last.Version, ch.Need, len(ch.Messages), next(last.Version, ch.Need))
	}
	return nil
}

// isZeroVersion reports whether v is v0.0.0 or the zero pseudo-version the go
// command writes for a replaced, unreleased requirement
// (v0.0.0-00010101000000-000000000000).
func isZeroVersion(v string) bool {
	return v == "v0.0.0" || v == "v0.0.0-00010101000000-000000000000"
}
