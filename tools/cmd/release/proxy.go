package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// buildProxy writes a file-based Go module proxy (the GOPROXY protocol's
// layout: <path>/@v/list, <v>.info, <v>.mod, <v>.zip) holding every release
// in the manifest, made from the released commits.
func (r *repo) buildProxy(m manifest, dir, tmp string) error {
	trees := map[string]*tree{}
	lists := map[string][]string{}
	for _, x := range m {
		t, ok := trees[x.Commit]
		if !ok {
			var err error
			if t, err = r.extract(x.Commit, tmp); err != nil {
				return err
			}
			trees[x.Commit] = t
		}
		path := modulePrefix + x.Module
		esc, err := module.EscapePath(path)
		if err != nil {
			return err
		}
		vdir := filepath.Join(dir, esc, "@v")
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			return err
		}
		if err := r.writeVersion(vdir, path, x, filepath.Join(t.dir, x.Module)); err != nil {
			return fmt.Errorf("%s: %v", x.Tag(), err)
		}
		lists[vdir] = append(lists[vdir], x.Version)
	}
	for vdir, versions := range lists {
		sort.Strings(versions)
		if err := os.WriteFile(filepath.Join(vdir, "list"), []byte(strings.Join(versions, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeVersion writes the .info, .mod and .zip of one release.
func (r *repo) writeVersion(vdir, path string, x release, src string) error {
	when, err := r.git("show", "-s", "--format=%cI", x.Commit)
	if err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(when)))
	if err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{x.Version, t.UTC()})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(vdir, x.Version+".info"), info, 0o644); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(vdir, x.Version+".mod"), gomod, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(vdir, x.Version+".zip"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := modzip.CreateFromDir(f, module.Version{Path: path, Version: x.Version}, src); err != nil {
		return err
	}
	return f.Close()
}

// consumer is a program outside the repository that imports some modules.
type consumer struct {
	name    string
	modules []string // folders it requires
	source  string   // main.go
	// only, if set, lists the only modules the consumer may need besides
	// itself: the only ones `go list -m all` may show when strict, or else
	// the only ones whose packages are built into it (`go list -deps`).
	only   []string
	strict bool
}

var consumers = []consumer{
	{
		name:    "stun-only",
		modules: []string{"rtc-stun"},
		only:    []string{"rtc-stun", "rtc-shared"},
		strict:  true, // issue 17: a STUN-only program pulls nothing else
		source: `package main

import (
	"fmt"

	stun "github.com/sansrtc/rtc/rtc-stun"
)

func main() {
	fmt.Println(stun.Classify([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42}))
}
`,
	},
	{
		name:    "sdp-only",
		modules: []string{"rtc-sdp"},
		only:    []string{"rtc-sdp", "rtc-shared"},
		source: `package main

import (
	"fmt"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

func main() {
	d, err := sdp.Parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
	fmt.Println(d != nil, err)
}
`,
	},
	{
		name:    "peerconnection",
		modules: []string{"rtc"},
		source: `package main

import (
	"fmt"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
)

func main() {
	pc, err := rtc.NewPeerConnection(rtc.Configuration{})
	fmt.Println(pc != nil, err)
	var d *driver.Driver
	fmt.Println(d == nil)
}
`,
	},
}

// checkConsumers builds the proxy and the three consumers through it, and
// prints each one's module list and vendor size.
func (r *repo) checkConsumers(c *checker, m manifest, mods []string, tmp string) error {
	proxy := filepath.Join(tmp, "proxy")
	if err := r.buildProxy(m, proxy, tmp); err != nil {
		return err
	}
	sums, err := r.knownSums(m)
	if err != nil {
		return err
	}
	env := consumerEnv(proxy, tmp)
	for _, cons := range consumers {
		dir := filepath.Join(tmp, "consumer-"+cons.name)
		if err := writeConsumer(dir, cons, m, sums); err != nil {
			return err
		}
		steps := [][]string{{"mod", "tidy"}, {"build", "./..."}, {"list", "-m", "all"},
			{"list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./..."}, {"mod", "vendor"}}
		outs := make([][]byte, 0, len(steps))
		for _, step := range steps {
			out, err := run(dir, env, "go", step...)
			if err != nil {
				c.fail("consumer %s: go %s: %v\n%s", cons.name, strings.Join(step, " "), err, out)
				break
			}
			outs = append(outs, out)
		}
		if len(outs) < len(steps) {
			continue
		}
		size, files := dirSize(filepath.Join(dir, "vendor"))
		fmt.Printf("\nconsumer %s: vendor %d bytes in %d files; go list -m all:\n%s", cons.name, size, files, indent(outs[2]))
		if cons.strict {
			checkOnly(c, cons, outs[2], "go list -m all")
		} else {
			checkOnly(c, cons, outs[3], "its build")
		}
	}
	return nil
}

// knownSums is every go.sum line of the released trees, so the consumers
// verify third-party modules against the hashes the repository pinned
// instead of asking a checksum database.
func (r *repo) knownSums(m manifest) ([]byte, error) {
	seen := map[string]bool{}
	var out bytes.Buffer
	for _, x := range m {
		data, err := r.readFile(x.Module+"/go.sum", x.Commit)
		if err != nil {
			continue // a module without third-party requirements has no go.sum
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line != "" && !seen[line] {
				seen[line] = true
				out.WriteString(line + "\n")
			}
		}
	}
	return out.Bytes(), nil
}

// consumerEnv is the environment of a consumer build: no workspace, the
// file proxy first, then the local module cache and the usual proxy for
// third-party modules; sansrtc modules are not in any checksum database.
func consumerEnv(proxy, tmp string) []string {
	cache := strings.TrimSpace(goEnv("GOMODCACHE"))
	upstream := strings.TrimSpace(goEnv("GOPROXY"))
	proxies := "file://" + proxy
	if cache != "" {
		proxies += ",file://" + filepath.Join(cache, "cache", "download")
	}
	if upstream != "" && upstream != "off" {
		proxies += "," + upstream
	}
	return append(os.Environ(),
		"GOWORK=off",
		"GOFLAGS=-mod=mod",
		"GOPROXY="+proxies,
		"GONOSUMDB=github.com/sansrtc",
		"GOMODCACHE="+filepath.Join(tmp, "modcache"),
	)
}

func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// writeConsumer writes the consumer's go.mod (requiring the latest
// releases, no replace lines), go.sum and main.go.
func writeConsumer(dir string, cons consumer, m manifest, sums []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module example.com/consumer/%s\n\ngo 1.26.0\n\n", cons.name)
	for _, mod := range cons.modules {
		last, ok := m.latest(mod)
		if !ok {
			return fmt.Errorf("consumer %s: %s has no release", cons.name, mod)
		}
		fmt.Fprintf(&gomod, "require %s%s %s\n", modulePrefix, mod, last.Version)
	}
	files := map[string][]byte{"go.mod": []byte(gomod.String()), "go.sum": sums, "main.go": []byte(cons.source)}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkOnly fails when a consumer's module list names a module beyond what
// it may need. list has one module path (and maybe a version) per line.
func checkOnly(c *checker, cons consumer, list []byte, what string) {
	if cons.only == nil {
		return
	}
	allowed := map[string]bool{"example.com/consumer/" + cons.name: true}
	for _, o := range cons.only {
		allowed[modulePrefix+o] = true
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(string(list), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || allowed[f[0]] || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		c.fail("consumer %s: %s shows %s; it may need only %s", cons.name, what, f[0], strings.Join(cons.only, " and "))
	}
}

func run(dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd.CombinedOutput()
}

func dirSize(dir string) (size int64, files int) {
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
			files++
		}
		return nil
	})
	return size, files
}

func indent(b []byte) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(string(b), "\n"), "\n", "\n  ") + "\n"
}
