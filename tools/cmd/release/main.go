// Command release checks and prepares the releases of sansrtc's modules.
//
//	go run ./tools/cmd/release check   # what tools/test.sh runs (bash tools/release.sh check)
//	go run ./tools/cmd/release tag     # prepare the next versions, commit, tag
//	go run ./tools/cmd/release plan    # print the next versions, change nothing
//
// Every module folder (rtc, rtc-*) is a Go module with its own version and
// tags in the Go multi-module form (rtc-stun/v0.1.0). The tracked manifest
// tools/release/versions.txt is the source of truth: one line per released
// version, "module version commit". Tags mirror it; a clone without tags
// still checks, because the check reads the commits the manifest names.
//
// check verifies:
//   - every manifest commit is on HEAD's history, and every local tag of a
//     released version points at its manifest commit;
//   - every sibling requirement in every go.mod names the latest released
//     version of that sibling;
//   - every released version has a heading in its module's CHANGELOG, and a
//     module changed since its last release has a non-empty "## Unreleased"
//     section (the entry for its next version);
//   - each release's exported API against the release before it
//     (golang.org/x/exp/apidiff): an incompatible change needs a major bump
//     (a minor bump while the major version is 0), an addition at least a
//     minor bump (a patch bump while at v0);
//   - three consumer programs (STUN only, SDP only, the PeerConnection with
//     its driver) build through a file-based module proxy made from the
//     released commits, with no replace lines, and the STUN-only and SDP-only
//     consumers need no module but their own and rtc-shared.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	root := fs.String("root", ".", "repository root")
	keep := fs.Bool("keep", false, "check: keep the temporary proxy and consumers and print where")
	noCommit := fs.Bool("no-commit", false, "tag: edit files only, no commit and no tags")
	if err := fs.Parse(os.Args[2:]); err != nil {
		usage()
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		fatal(err)
	}
	r := &repo{root: abs}
	switch os.Args[1] {
	case "check":
		err = r.check(*keep)
	case "plan":
		_, err = r.plan(os.Stdout)
	case "tag":
		err = r.tag(*noCommit)
	default:
		usage()
	}
	if err != nil {
		fatal(err)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: release check|plan|tag [-root DIR] [-keep] [-no-commit]")
	os.Exit(2)
}

func fatal(err error) {
	msg := strings.TrimRight(err.Error(), "\n")
	fmt.Fprintln(os.Stderr, "release: "+msg)
	os.Exit(1)
}
