package rtc

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestH264Profile: profile-level-id classified by RFC 6184 §8.1 Table 5.
func TestH264Profile(t *testing.T) {
	for plid, want := range map[string]H264Profile{
		"42e01f": H264ProfileConstrainedBaseline, // Chrome's default
		"42c01f": H264ProfileConstrainedBaseline,
		"4de01f": H264ProfileConstrainedBaseline, // main with constraint_set0 and _set1
		"58c01f": H264ProfileConstrainedBaseline,
		"42001f": H264ProfileBaseline,
		"42a01f": H264ProfileBaseline, // constraint_set0 and _set2 without _set1
		"58801f": H264ProfileBaseline,
		"4d001f": H264ProfileMain,
		"4d401f": H264ProfileMain, // constraint_set1 alone leaves main
		"58001f": H264ProfileExtended,
		"64001f": H264ProfileHigh,
		"640c1f": H264ProfileConstrainedHigh,
		"":       H264ProfileBaseline, // absent: 420010, Baseline level 1 (RFC 6184 §8.1)
		"42e0":   H264ProfileUnknown,
		"zz001f": H264ProfileUnknown,
		"f4001f": H264ProfileUnknown, // High 4:4:4 is not offered
		"42e10f": H264ProfileUnknown, // a reserved iop bit set
	} {
		if got := h264Profile(plid); got != want {
			t.Errorf("h264Profile(%q) = %v, want %v", plid, got, want)
		}
	}
}

// TestCodecMatches: name (any case), clock rate and channels, and the
// parameters that select a bitstream.
func TestCodecMatches(t *testing.T) {
	opus := Codec{Name: "opus", ClockRate: 48000, Channels: 2}
	h264 := func(fmtp string) Codec { return Codec{Name: "H264", ClockRate: 90000, FMTP: fmtp} }
	for _, tc := range []struct {
		name string
		l, r Codec
		want bool
	}{
		{"same opus", opus, Codec{Name: "OPUS", ClockRate: 48000, Channels: 2, FMTP: "stereo=1"}, true},
		{"opus mono", opus, Codec{Name: "opus", ClockRate: 48000}, false},
		{"PCMU channels default", Codec{Name: "PCMU", ClockRate: 8000}, Codec{Name: "pcmu", ClockRate: 8000, Channels: 1}, true},
		{"clock rate", Codec{Name: "G722", ClockRate: 8000}, Codec{Name: "G722", ClockRate: 16000}, false},
		{"H.264 same profile, other level", h264("profile-level-id=42e01f;packetization-mode=1"), h264("packetization-mode=1;profile-level-id=42e034"), true},
		{"H.264 CB in main form", h264("profile-level-id=42e01f;packetization-mode=1"), h264("profile-level-id=4de01f;packetization-mode=1"), true},
		{"H.264 baseline vs CB", h264("profile-level-id=42e01f;packetization-mode=1"), h264("profile-level-id=42001f;packetization-mode=1"), false},
		{"H.264 high vs main", h264("profile-level-id=64001f;packetization-mode=1"), h264("profile-level-id=4d001f;packetization-mode=1"), false},
		{"H.264 packetization-mode", h264("profile-level-id=42e01f;packetization-mode=1"), h264("profile-level-id=42e01f"), false},
		{"H.264 mode 0 default", h264("profile-level-id=42e01f;packetization-mode=0"), h264("profile-level-id=42e01f"), true},
		{"H.264 unknown profiles never match", h264("profile-level-id=zz"), h264("profile-level-id=zz"), false},
		{"H.264 4:4:4 never matches", h264("profile-level-id=f4001f"), h264("profile-level-id=f4001f"), false},
		{"VP9 profile 0 default", Codec{Name: "VP9", ClockRate: 90000, FMTP: "profile-id=0"}, Codec{Name: "VP9", ClockRate: 90000}, true},
		{"VP9 profile 2", Codec{Name: "VP9", ClockRate: 90000, FMTP: "profile-id=0"}, Codec{Name: "VP9", ClockRate: 90000, FMTP: "profile-id=2"}, false},
		{"AV1 profile 1", Codec{Name: "AV1", ClockRate: 90000, FMTP: "profile=0"}, Codec{Name: "AV1", ClockRate: 90000, FMTP: "profile=1"}, false},
		{"AV1 default", Codec{Name: "AV1", ClockRate: 90000}, Codec{Name: "AV1", ClockRate: 90000, FMTP: "level-idx=5;profile=0;tier=0"}, true},
	} {
		if got := tc.l.Matches(tc.r); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestDefaultCodecs: every default codec has a distinct dynamic or static
// payload type, every video codec an RTX format right after it, and the
// WebRTC feedback.
func TestDefaultCodecs(t *testing.T) {
	all := append(DefaultAudioCodecs(), DefaultVideoCodecs()...)
	pts := map[uint8]string{}
	for _, c := range all {
		if prev, dup := pts[c.PayloadType]; dup {
			t.Errorf("payload type %d used by %s and %s", c.PayloadType, prev, c.Name)
		}
		pts[c.PayloadType] = c.Name
		if c.PayloadType > 127 || c.PayloadType >= 64 && c.PayloadType < 96 && c.Name != "red" {
			t.Errorf("%s: payload type %d outside 0-63 and 96-127 (RFC 5761 §4: 64-95 collide with RTCP)", c.Name, c.PayloadType)
		}
	}
	video := DefaultVideoCodecs()
	for i := 0; i < len(video); i += 2 {
		c, rtx := video[i], video[i+1]
		if rtx.Name != "rtx" || fmtpParams(rtx.FMTP)["apt"] != itoa(c.PayloadType) {
			t.Errorf("%s %d: followed by %s %q", c.Name, c.PayloadType, rtx.Name, rtx.FMTP)
		}
		if len(c.Feedback) != 5 {
			t.Errorf("%s: feedback %v", c.Name, c.Feedback)
		}
	}
	names := map[string]bool{}
	for _, c := range all {
		names[strings.ToLower(c.Name)] = true
	}
	for _, n := range []string{"opus", "red", "g722", "pcmu", "pcma", "vp8", "vp9", "h264", "h265", "av1", "rtx"} {
		if !names[n] {
			t.Errorf("no default %s", n)
		}
	}
}

func itoa(pt uint8) string { return strconv.Itoa(int(pt)) }

// TestAnswerCodecs: a Chromium-like offer answered with the defaults keeps
// the offerer's payload types, order and parameters, drops what we lack,
// keeps RTX only for kept codecs, and intersects the feedback.
func TestAnswerCodecs(t *testing.T) {
	offered := []Codec{
		{PayloadType: 96, Name: "VP8", ClockRate: 90000, Feedback: []Feedback{{"nack", ""}, {"nack", "pli"}, {"rrtr", ""}}},
		{PayloadType: 97, Name: "rtx", ClockRate: 90000, FMTP: "apt=96"},
		{PayloadType: 45, Name: "H264", ClockRate: 90000, FMTP: "profile-level-id=f4001f;packetization-mode=1"},
		{PayloadType: 46, Name: "rtx", ClockRate: 90000, FMTP: "apt=45"},
		{PayloadType: 39, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
		{PayloadType: 40, Name: "rtx", ClockRate: 90000, FMTP: "apt=39"},
		{PayloadType: 127, Name: "ulpfec", ClockRate: 90000},
		{PayloadType: 41, Name: "AV1", ClockRate: 90000},
		{PayloadType: 42, Name: "rtx", ClockRate: 90000, FMTP: "apt=notanumber"},
	}
	got := AnswerCodecs(offered, DefaultVideoCodecs())
	want := []Codec{
		{PayloadType: 96, Name: "VP8", ClockRate: 90000, Feedback: []Feedback{{"nack", ""}, {"nack", "pli"}}},
		{PayloadType: 39, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
		{PayloadType: 41, Name: "AV1", ClockRate: 90000},
		{PayloadType: 97, Name: "rtx", ClockRate: 90000, FMTP: "apt=96"},
		{PayloadType: 40, Name: "rtx", ClockRate: 90000, FMTP: "apt=39"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AnswerCodecs (-want +got):\n%s", d)
	}
	// Audio: Opus and RED with Opus's payload type, no RTX without local RTX.
	audio := []Codec{
		{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2, FMTP: "minptime=10;useinbandfec=1"},
		{PayloadType: 63, Name: "red", ClockRate: 48000, Channels: 2, FMTP: "111/111"},
		{PayloadType: 112, Name: "rtx", ClockRate: 48000, FMTP: "apt=111"},
		{PayloadType: 13, Name: "CN", ClockRate: 8000},
	}
	if got := AnswerCodecs(audio, DefaultAudioCodecs()); len(got) != 2 || got[0].PayloadType != 111 || got[1].PayloadType != 63 {
		t.Errorf("audio answer %+v", got)
	}
	if got := AnswerCodecs(nil, DefaultAudioCodecs()); got != nil {
		t.Errorf("answer to nothing: %+v", got)
	}
}

// TestExtensions: offers number ids from 1 skipping 15 (RFC 8285 §4.2);
// answers keep the offer's ids for what we support (RFC 8829 §5.3.1).
func TestExtensions(t *testing.T) {
	ext, err := OfferExtensions(DefaultVideoExtensions, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ext {
		if e.ID != uint16(i+1) || e.URI != DefaultVideoExtensions[i] {
			t.Errorf("extension %d: %+v", i, e)
		}
	}
	many := make([]string, 20)
	for i := range many {
		many[i] = "urn:x:" + itoa(uint8(i))
	}
	if _, err := OfferExtensions(many, false); !errors.Is(err, ErrLimit) {
		t.Errorf("20 one-byte extensions: %v", err)
	}
	two, err := OfferExtensions(many, true)
	if err != nil || two[13].ID != 14 || two[14].ID != 16 || two[19].ID != 21 {
		t.Errorf("two-byte ids: %+v %v", two, err)
	}
	offered := []Extension{{3, ExtMID}, {9, "urn:unknown"}, {4, ExtTransportWideCC}, {12, ExtRID}}
	got, err := AnswerExtensions(offered, DefaultVideoExtensions)
	if d := cmp.Diff([]Extension{{3, ExtMID}, {4, ExtTransportWideCC}, {12, ExtRID}}, got); d != "" || err != nil {
		t.Errorf("AnswerExtensions (-want +got):\n%s %v", d, err)
	}
	for _, bad := range [][]Extension{{{0, ExtMID}}, {{15, ExtMID}}, {{256, ExtMID}}, {{3, ExtMID}, {3, ExtRID}}} {
		if _, err := AnswerExtensions(bad, DefaultVideoExtensions); !errors.Is(err, ErrUnsupported) {
			t.Errorf("AnswerExtensions(%+v): %v", bad, err)
		}
	}
}

// FuzzCodecMatch: any offered name and fmtp (profile-level-id, apt,
// profile-id, ...) is matched and answered without a panic, and an answer
// only ever contains offered payload types.
func FuzzCodecMatch(f *testing.F) {
	f.Add("H264", "profile-level-id=42e01f;packetization-mode=1", uint8(102))
	f.Add("rtx", "apt=102", uint8(103))
	f.Add("VP9", "profile-id=2", uint8(100))
	f.Add("AV1", "profile=", uint8(45))
	f.Add("h264", "profile-level-id=;;=;packetization-mode", uint8(0))
	f.Fuzz(func(t *testing.T, name, fmtp string, pt uint8) {
		offered := []Codec{{PayloadType: pt, Name: name, ClockRate: 90000, FMTP: fmtp},
			{PayloadType: pt + 1, Name: "rtx", ClockRate: 90000, FMTP: fmtp}}
		for _, c := range AnswerCodecs(offered, DefaultVideoCodecs()) {
			if c.PayloadType != pt && c.PayloadType != pt+1 {
				t.Fatalf("answer has payload type %d, offered %d and %d", c.PayloadType, pt, pt+1)
			}
		}
	})
}
