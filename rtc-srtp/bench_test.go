package srtp

import (
	"encoding/binary"
	"testing"
)

// BenchmarkProtectRTP and friends measure 1200-octet payloads per profile.
func BenchmarkProtectRTP(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			tx, _ := newPair(b, Config{Profile: p})
			pkt := rtpPacket(0, 1, 1200-12)
			buf := make([]byte, 0, len(pkt)+64)
			b.SetBytes(1200)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint16(pkt[2:], uint16(i))
				buf = append(buf[:0], pkt...)
				if _, err := tx.ProtectRTP(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnprotectRTP(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			tx, rx := newPair(b, Config{Profile: p, DisableReplayProtection: true})
			pkt, err := tx.AppendProtectRTP(nil, rtpPacket(0, 1, 1200-12))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, len(pkt))
			b.SetBytes(1200)
			b.ReportAllocs()
			for b.Loop() {
				buf = append(buf[:0], pkt...)
				if _, err := rx.UnprotectRTP(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProtectRTCP(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			tx, _ := newPair(b, Config{Profile: p})
			pkt := append(rtcpPacket(1), make([]byte, 1200-48)...)
			buf := make([]byte, 0, len(pkt)+64)
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				buf = append(buf[:0], pkt...)
				if _, err := tx.ProtectRTCP(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnprotectRTCP(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			tx, rx := newPair(b, Config{Profile: p, DisableReplayProtection: true})
			pkt, err := tx.AppendProtectRTCP(nil, append(rtcpPacket(1), make([]byte, 1200-48)...))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, len(pkt))
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				buf = append(buf[:0], pkt...)
				if _, err := rx.UnprotectRTCP(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
