package sdp

import (
	"os"
	"testing"
)

func BenchmarkParseMarshalChromeOffer(b *testing.B) {
	text, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	buf := make([]byte, 0, 2*len(text))
	for b.Loop() {
		sd, err := Unmarshal(text)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = sd.AppendTo(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseChromeOffer(b *testing.B) {
	text, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Unmarshal(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalChromeOffer(b *testing.B) {
	text, err := os.ReadFile("testdata/chrome_offer_gathered.sdp")
	if err != nil {
		b.Fatal(err)
	}
	sd, err := Unmarshal(text)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sd.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
