package sdp

import (
	"os"
	"testing"

	pion "github.com/pion/sdp/v3"
	ours "github.com/sansrtc/rtc/rtc-sdp"
	"github.com/sansrtc/rtc/tools/internal/benchutil"
)

const offerFile = "../../../rtc-sdp/testdata/chrome_offer_gathered.sdp"

func offer(tb testing.TB) []byte {
	b, err := os.ReadFile(offerFile)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Both libraries parse the offer and marshal it back byte for byte.
func TestSameInput(t *testing.T) {
	text := offer(t)
	sd, err := ours.Unmarshal(text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(text) {
		t.Error("rtc-sdp round trip differs")
	}
	var p pion.SessionDescription
	if err := p.Unmarshal(text); err != nil {
		t.Fatal(err)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(text) {
		t.Log("pion round trip differs (informational)")
	}
}

func BenchmarkParseMarshal(b *testing.B) {
	text := offer(b)
	b.Run("sansrtc", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(text))).Stop()
		buf := make([]byte, 0, 2*len(text))
		for b.Loop() {
			sd, err := ours.Unmarshal(text)
			if err != nil {
				b.Fatal(err)
			}
			if buf, err = sd.AppendTo(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(text))).Stop()
		for b.Loop() {
			var sd pion.SessionDescription
			if err := sd.Unmarshal(text); err != nil {
				b.Fatal(err)
			}
			if _, err := sd.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	text := offer(b)
	b.Run("sansrtc", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(text))).Stop()
		for b.Loop() {
			if _, err := ours.Unmarshal(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		defer benchutil.Measure(b, int64(len(text))).Stop()
		for b.Loop() {
			var sd pion.SessionDescription
			if err := sd.Unmarshal(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	text := offer(b)
	b.Run("sansrtc", func(b *testing.B) {
		sd, err := ours.Unmarshal(text)
		if err != nil {
			b.Fatal(err)
		}
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if _, err := sd.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pion", func(b *testing.B) {
		var sd pion.SessionDescription
		if err := sd.Unmarshal(text); err != nil {
			b.Fatal(err)
		}
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if _, err := sd.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
