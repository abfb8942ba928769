package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// modulePrefix is the path every module of the repository starts with.
const modulePrefix = "github.com/sansrtc/rtc/"

// manifestPath is the tracked list of released versions.
const manifestPath = "tools/release/versions.txt"

// repo is the repository being checked or released.
type repo struct {
	root string
}

// release is one released version of one module.
type release struct {
	Module  string // folder name: "rtc-stun"
	Version string // "v0.1.0"
	Commit  string // full hash
}

// Tag returns the Go multi-module tag of the release: "rtc-stun/v0.1.0".
func (r release) Tag() string { return r.Module + "/" + r.Version }

// manifest is every release, oldest first, as versions.txt lists them.
type manifest []release

// latest returns the newest release of module, if any.
func (m manifest) latest(module string) (release, bool) {
	var best release
	found := false
	for _, r := range m {
		if r.Module == module && (!found || semver.Compare(r.Version, best.Version) > 0) {
			best, found = r, true
		}
	}
	return best, found
}

// history returns module's releases in version order.
func (m manifest) history(module string) []release {
	var out []release
	for _, r := range m {
		if r.Module == module {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare(out[i].Version, out[j].Version) < 0 })
	return out
}

// readManifest parses versions.txt; a missing file is an empty manifest.
func (r *repo) readManifest() (manifest, error) {
	data, err := os.ReadFile(filepath.Join(r.root, manifestPath))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || !semver.IsValid(f[1]) || semver.Canonical(f[1]) != f[1] || len(f[2]) != 40 {
			return nil, fmt.Errorf("%s:%d: want \"module vX.Y.Z <40-hex commit>\", got %q", manifestPath, n, line)
		}
		m = append(m, release{Module: f[0], Version: f[1], Commit: f[2]})
	}
	return m, sc.Err()
}

// writeManifest rewrites versions.txt.
func (r *repo) writeManifest(m manifest) error {
	var b strings.Builder
	b.WriteString("# Released versions of sansrtc's modules: module, version, commit.\n")
	b.WriteString("# Written by `bash tools/release.sh tag`; checked by `bash tools/release.sh check`.\n")
	b.WriteString("# Tags (rtc-stun/v0.1.0) mirror these lines; see tools/README.md.\n")
	for _, x := range m {
		fmt.Fprintf(&b, "%s %s %s\n", x.Module, x.Version, x.Commit)
	}
	path := filepath.Join(r.root, manifestPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// modules returns the released module folders (rtc and rtc-*), sorted so
// that every module comes after the siblings it requires.
func (r *repo) modules() ([]string, error) {
	dirs, err := filepath.Glob(filepath.Join(r.root, "rtc*", "go.mod"))
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	var names []string
	for _, gomod := range dirs {
		name := filepath.Base(filepath.Dir(gomod))
		f, err := r.modFile(name, "")
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		for _, req := range f.Require {
			if sib, ok := strings.CutPrefix(req.Mod.Path, modulePrefix); ok {
				deps[name] = append(deps[name], sib)
			}
		}
	}
	sort.Strings(names)
	return topoSort(names, deps)
}

// topoSort orders names so that each follows its deps.
func topoSort(names []string, deps map[string][]string) ([]string, error) {
	state := map[string]int{} // 1 visiting, 2 done
	var out []string
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("module requirement cycle through %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		out = append(out, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// modFile parses module's go.mod at commit ("" for the working tree).
func (r *repo) modFile(module, commit string) (*modfile.File, error) {
	data, err := r.readFile(module+"/go.mod", commit)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(module+"/go.mod", data, nil)
}

// readFile reads a repository file at commit, or from the working tree.
func (r *repo) readFile(path, commit string) ([]byte, error) {
	if commit == "" {
		return os.ReadFile(filepath.Join(r.root, path))
	}
	return r.git("show", commit+":"+path)
}

// git runs git in the repository and returns its standard output.
func (r *repo) git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// changedSince reports whether module's folder differs between commit and
// the working tree.
func (r *repo) changedSince(module, commit string) (bool, error) {
	out, err := r.git("diff", "--name-only", commit, "--", module)
	if err != nil {
		return false, err
	}
	return len(bytes.TrimSpace(out)) > 0, nil
}
