package sdp

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestValidate(t *testing.T) {
	for name := range fixtures(t) {
		if isFragment(name) {
			continue
		}
		if err := mustParseFile(t, name).Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// RFC 8829 §5.8: a known attribute that does not parse rejects the
	// description; Parse reports the line.
	_, err := Parse(minimal + "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 6 || !errors.Is(err, ErrAttribute) {
		t.Errorf("Parse = %v, want line 6 ErrAttribute", err)
	}
	sd, err := Parse(minimal + "m=audio 9 RTP/AVP 0\r\n")
	if err != nil {
		t.Fatal(err)
	}
	sd.Media[0].AddAttr(AttrRTPMap, "0 PCMU")
	err = sd.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Media != 0 || !errors.Is(err, ErrAttribute) {
		t.Errorf("Validate = %v", err)
	}
	sd, err = Parse(minimal)
	if err != nil {
		t.Fatal(err)
	}
	sd.Attributes.Add(AttrGroup, "")
	if err := sd.Validate(); !errors.As(err, &ve) || ve.Media != -1 {
		t.Errorf("session-level: %v", err)
	}
}

func TestClone(t *testing.T) {
	sd := mustParseFile(t, "chrome_offer_gathered.sdp")
	c := sd.Clone()
	if d := cmp.Diff(sd, c, cmpopts.IgnoreUnexported(SessionDescription{})); d != "" {
		t.Fatal(d)
	}
	c.Media[0].Attributes.SetDirection(DirectionInactive)
	c.Media[0].Formats[0] = "0"
	c.Attributes.Add("x", "y")
	if sd.Media[0].Direction() != DirectionSendRecv || sd.Media[0].Formats[0] == "0" || sd.Attributes.Has("x") {
		t.Error("clone shares state")
	}
}

func TestRejected(t *testing.T) {
	sd := mustParseFile(t, "chrome_offer.sdp")
	r := sd.Media[1].Rejected()
	gotB, err := r.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := string(gotB)
	if !r.IsRejected() || got[:len("m=video 0 UDP/TLS/RTP/SAVPF 96 ")] != "m=video 0 UDP/TLS/RTP/SAVPF 96 " || r.Attributes.Count(AttrMID) != 1 || len(r.Attributes) != 1 {
		t.Errorf("rejected section:\n%s", got)
	}
}
