package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
)

// bump is how far a version must move for a change of API.
type bump int

const (
	bumpPatch bump = iota // no exported API changed
	bumpMinor             // exported API added, nothing removed or changed
	bumpMajor             // an incompatible change
)

func (b bump) String() string {
	return [...]string{"patch", "minor", "major"}[b]
}

// apiChange is the result of comparing a module's exported API at two trees.
type apiChange struct {
	Need     bump
	Messages []string // apidiff's messages, incompatible first
}

// tree is a checkout of the repository (the working tree or a commit
// extracted into a temporary directory) whose packages can be loaded.
type tree struct {
	dir  string
	apis map[string]map[string]*types.Package // module -> import path -> package
}

// extract writes the repository at commit into a new temporary directory.
func (r *repo) extract(commit, tmp string) (*tree, error) {
	dir, err := os.MkdirTemp(tmp, "tree-")
	if err != nil {
		return nil, err
	}
	archive, err := r.git("archive", "--format=tar", commit)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("tar", "-x", "-C", dir)
	cmd.Stdin = bytes.NewReader(archive)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tar: %v: %s", err, out)
	}
	return &tree{dir: dir}, nil
}

// listedPackage is what `go list -json -export` says of one package.
type listedPackage struct {
	ImportPath string
	Name       string
	Export     string
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// api loads the exported API of every importable package of module in t.
// It builds export data with `go list -export` (GOWORK=off, so the module's
// replace lines pick its siblings from the same tree) and reads the types
// from it, without type-checking from source.
func (t *tree) api(module string) (map[string]*types.Package, error) {
	if p, ok := t.apis[module]; ok {
		return p, nil
	}
	cmd := exec.Command("go", "list", "-e", "-trimpath", "-export", "-deps", "-json=ImportPath,Name,Export,Module,Error", "./...")
	cmd.Dir = filepath.Join(t.dir, module)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: go list: %v: %s", module, err, strings.TrimSpace(stderr.String()))
	}
	exports := map[string]string{}
	var own []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("%s: %s: %s", module, p.ImportPath, p.Error.Err)
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == modulePrefix+module && p.Name != "main" && !isInternal(p.ImportPath) {
			own = append(own, p.ImportPath)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	pkgs := map[string]*types.Package{}
	for _, path := range own {
		p, err := imp.Import(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		pkgs[path] = p
	}
	if t.apis == nil {
		t.apis = map[string]map[string]*types.Package{}
	}
	t.apis[module] = pkgs
	return pkgs, nil
}

// isInternal reports whether path has an internal element.
func isInternal(path string) bool {
	for _, e := range strings.Split(path, "/") {
		if e == "internal" {
			return true
		}
	}
	return false
}

// compareAPI compares module's exported API in old and new.
func compareAPI(module string, old, new *tree) (apiChange, error) {
	a, err := old.api(module)
	if err != nil {
		return apiChange{}, err
	}
	b, err := new.api(module)
	if err != nil {
		return apiChange{}, err
	}
	var c apiChange
	var bad, good []string
	for _, path := range sortedKeys(a) {
		np, ok := b[path]
		if !ok {
			bad = append(bad, path+": package removed")
			continue
		}
		for _, ch := range apidiff.Changes(a[path], np).Changes {
			msg := path + ": " + ch.Message
			if ch.Compatible {
				good = append(good, msg)
			} else {
				bad = append(bad, msg)
			}
		}
	}
	for _, path := range sortedKeys(b) {
		if _, ok := a[path]; !ok {
			good = append(good, path+": package added")
		}
	}
	switch {
	case len(bad) > 0:
		c.Need = bumpMajor
	case len(good) > 0:
		c.Need = bumpMinor
	}
	c.Messages = append(bad, good...)
	return c, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
