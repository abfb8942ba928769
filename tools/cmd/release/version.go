package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"
)

// firstVersion is a module's first release.
const firstVersion = "v0.1.0"

// next returns the smallest version after prev that allows a change of kind
// need: at v0 (Semantic Versioning §4: "anything MAY change at any time") an incompatible
// change or an addition takes a minor bump; from v1 an incompatible change
// takes a major bump and an addition a minor bump. An unchanged API takes a
// patch bump.
func next(prev string, need bump) string {
	if prev == "" {
		return firstVersion
	}
	maj, min, pat := parts(prev)
	switch {
	case need == bumpMajor && maj > 0:
		return fmt.Sprintf("v%d.0.0", maj+1)
	case need >= bumpMinor:
		return fmt.Sprintf("v%d.%d.0", maj, min+1)
	}
	return fmt.Sprintf("v%d.%d.%d", maj, min, pat+1)
}

// allows reports whether moving from prev to cur is a big enough bump for a
// change of kind need (the rule of next; at v0 an addition may be a patch).
func allows(prev, cur string, need bump) bool {
	if semver.Compare(cur, prev) <= 0 {
		return false
	}
	pm, pn, _ := parts(prev)
	cm, cn, _ := parts(cur)
	switch need {
	case bumpMajor:
		if pm == 0 {
			return cm > 0 || cn > pn
		}
		return cm > pm
	case bumpMinor:
		if pm == 0 {
			return true
		}
		return cm > pm || cn > pn
	}
	return true
}

// parts splits a canonical vX.Y.Z.
func parts(v string) (major, minor, patch int) {
	f := strings.SplitN(strings.TrimPrefix(semver.Canonical(v), "v"), ".", 3)
	if len(f) != 3 {
		return 0, 0, 0
	}
	major, _ = strconv.Atoi(f[0])
	minor, _ = strconv.Atoi(f[1])
	patch, _ = strconv.Atoi(strings.SplitN(f[2], "-", 2)[0])
	return major, minor, patch
}

var headingRE = regexp.MustCompile(`(?m)^## +(\S+)`)

// changelogHeadings returns the "## X" headings of a CHANGELOG, in order.
func changelogHeadings(text string) []string {
	var out []string
	for _, m := range headingRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// unreleasedEntries returns the "- " entries of the "## Unreleased" section.
func unreleasedEntries(text string) int {
	lines := strings.Split(text, "\n")
	n, in := 0, false
	for _, l := range lines {
		if strings.HasPrefix(l, "## ") {
			in = strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(l, "## ")), "Unreleased")
			continue
		}
		if in && strings.HasPrefix(strings.TrimSpace(l), "- ") {
			n++
		}
	}
	return n
}

// releaseChangelog renames the "## Unreleased" heading to version (dated),
// or adds a section for version saying why it was released when there is no
// Unreleased section.
func releaseChangelog(text, version, date, why string) string {
	heading := "## " + version + " (" + date + ")"
	re := regexp.MustCompile(`(?mi)^## +Unreleased *$`)
	if loc := re.FindStringIndex(text); loc != nil {
		return text[:loc[0]] + heading + text[loc[1]:]
	}
	section := heading + "\n\n- " + why + "\n\n"
	if loc := headingRE.FindStringIndex(text); loc != nil {
		return text[:loc[0]] + section + text[loc[0]:]
	}
	return strings.TrimRight(text, "\n") + "\n\n" + section
}
