package rtc

import (
	"errors"
	"strings"
	"testing"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// The negotiation part validates a remote description one RFC step at a
// time; each step is tested alone here, on a description built from a
// real offer with one line changed.

// stepOffer returns a parsed offer (one data m-section) with edit applied
// to its text first.
func stepOffer(t *testing.T, edit func(string) string) (*sdp.SessionDescription, *sdp.MediaDescription) {
	t.Helper()
	sess, err := stepParse(t, edit)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sess, bundleTag(sess)
}

func stepParse(t *testing.T, edit func(string) string) (*sdp.SessionDescription, error) {
	t.Helper()
	o := fuzzOffer(t).SDP
	if edit != nil {
		o = edit(o)
	}
	return parseSDP(o, 1<<20)
}

func replaceLine(prefix, with string) func(string) string {
	return func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\r\n") {
			if strings.HasPrefix(l, prefix) {
				if with == "" {
					continue
				}
				l = with
			}
			out = append(out, l)
		}
		return strings.Join(out, "\r\n")
	}
}

// TestStepICECredentials: RFC 8839 §5.4 lengths, media level first. The
// grammar (4-256 and 22-256 ice-chars) is also rtc-sdp's on parse; either
// refusal is a clear error before anything changes.
func TestStepICECredentials(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(string) string
		ok   bool
	}{
		{"as offered", nil, true},
		{"no ufrag", replaceLine("a=ice-ufrag", ""), false},
		{"ufrag of 3", replaceLine("a=ice-ufrag", "a=ice-ufrag:abc"), false},
		{"ufrag of 4", replaceLine("a=ice-ufrag", "a=ice-ufrag:abcd"), true},
		{"pwd of 21", replaceLine("a=ice-pwd", "a=ice-pwd:"+strings.Repeat("p", 21)), false},
		{"pwd of 256", replaceLine("a=ice-pwd", "a=ice-pwd:"+strings.Repeat("p", 256)), true},
		{"pwd of 257", replaceLine("a=ice-pwd", "a=ice-pwd:"+strings.Repeat("p", 257)), false},
	} {
		sess, err := stepParse(t, tc.edit)
		if err != nil {
			if tc.ok || !errors.Is(err, ErrInvalidSDP) {
				t.Errorf("%s: parse: %v", tc.name, err)
			}
			continue
		}
		_, _, err = iceCredentials(sess, bundleTag(sess))
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestStepFingerprints: RFC 8122 §5, unknown hashes are skipped, at least
// one usable is needed.
func TestStepFingerprints(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(string) string
		want int
	}{
		{"as offered", nil, 1},
		{"none", replaceLine("a=fingerprint", ""), 0},
		{"unknown hash only", replaceLine("a=fingerprint", "a=fingerprint:md2 00:11"), 0},
	} {
		sess, tag := stepOffer(t, tc.edit)
		fps, err := fingerprints(sess, tag)
		if len(fps) != tc.want || (tc.want == 0) != errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %d fingerprints, %v", tc.name, len(fps), err)
		}
	}
}

// TestStepSetup: RFC 8842 §5.2 defaults and the values an answer may use.
func TestStepSetup(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		typ  SDPType
		want sdp.Setup
		ok   bool
	}{
		{"offer actpass", "a=setup:actpass", SDPTypeOffer, sdp.SetupActpass, true},
		{"offer absent", "", SDPTypeOffer, sdp.SetupActpass, true},
		{"answer absent", "", SDPTypeAnswer, sdp.SetupActive, true},
		{"answer passive", "a=setup:passive", SDPTypeAnswer, sdp.SetupPassive, true},
		{"answer actpass", "a=setup:actpass", SDPTypeAnswer, sdp.SetupActpass, false},
		{"offer holdconn", "a=setup:holdconn", SDPTypeOffer, sdp.SetupHoldconn, false},
	} {
		sess, tag := stepOffer(t, replaceLine("a=setup", tc.line))
		got, err := remoteSetup(sess, tag, tc.typ)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestStepSections: RFC 8843 mids are required and unique; an answer has
// the offer's m-sections in order (RFC 8829 §5.10).
func TestStepSections(t *testing.T) {
	var n negotiation
	sess, _ := stepOffer(t, nil)
	if err := n.checkSections(sess, SDPTypeOffer); err != nil {
		t.Errorf("as offered: %v", err)
	}
	if err := n.checkSections(sess, SDPTypeAnswer); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an answer to nothing: %v", err)
	}
	n.sections = []*mSection{{mid: "7", kind: "application"}}
	if err := n.checkSections(sess, SDPTypeAnswer); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "mid") {
		t.Errorf("an answer with another mid: %v", err)
	}
	noMid, _ := stepOffer(t, replaceLine("a=mid", ""))
	if err := n.checkSections(noMid, SDPTypeOffer); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no mid: %v", err)
	}
}

// TestStepSectionParams: RFC 8841 sctp-port default and max-message-size.
func TestStepSectionParams(t *testing.T) {
	sess, _ := stepOffer(t, replaceLine("a=sctp-port", ""))
	rp := remoteParams{maxMessage: -1}
	if err := sectionParams(sess, &rp); err != nil || rp.sctpPort != 5000 || rp.maxMessage != 262144 {
		t.Errorf("defaults: %+v %v", rp, err)
	}
	sess, _ = stepOffer(t, replaceLine("a=max-message-size", ""))
	rp = remoteParams{maxMessage: -1}
	if err := sectionParams(sess, &rp); err != nil || rp.maxMessage != -1 || peerMaxMessageSize(rp.maxMessage) != 65536 {
		t.Errorf("absent max-message-size: %+v %v", rp, err)
	}
	if peerMaxMessageSize(0) != -1 || peerMaxMessageSize(1000) != 1000 {
		t.Errorf("peerMaxMessageSize: 0 means no limit (RFC 8841 §6.1)")
	}
}
