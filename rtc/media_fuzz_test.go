package rtc

import (
	"bytes"
	"testing"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// fuzzMedia is a keyed media part with an audio and a video transceiver
// (RTX negotiated, MID/RID/repaired-RID ids), whose receive context
// accepts what seal (the same keys) protects: hostile RTP and RTCP reach
// the demultiplexer authenticated, as from a malicious peer.
func fuzzMedia(tb testing.TB) (*media, *srtp.Context) {
	cfg := srtp.Config{Profile: srtp.AES128CMHMACSHA1_80, MasterKey: bytes.Repeat([]byte{1}, 16), MasterSalt: bytes.Repeat([]byte{2}, 14), MaxSSRCs: 64}
	in, err := srtp.NewContext(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := srtp.NewContext(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	m := &media{in: in}
	var ts []*Transceiver
	for i, kind := range []MediaKind{MediaKindAudio, MediaKindVideo} {
		t := newTransceiver(nil, kind, DirectionRecvOnly)
		t.mid = string(rune('0' + i))
		t.codecs = DefaultVideoCodecs()[:4]
		if kind == MediaKindAudio {
			t.codecs = DefaultAudioCodecs()
		}
		t.hasCurrent, t.currentDirection = true, DirectionRecvOnly
		ts = append(ts, t)
	}
	m.bind(ts, extIDs{mid: 4, rid: 10, rrid: 11}, []recvStream{{t: ts[1], ssrc: 1000, signaled: true}, {t: ts[1], ssrc: 1001, rtx: true, repairs: 1000, signaled: true}}, 8)
	return m, out
}

// FuzzMediaDemux feeds authenticated hostile RTP and RTCP to the media
// part: routing (MID, SSRC, RID, payload type), RTX repair and the
// stream table never panic, a delivered packet stays inside its buffer
// and parses, and the stream table stays within its limit.
func FuzzMediaDemux(f *testing.F) {
	for _, seed := range mediaFuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, out := fuzzMedia(t)
		now := time.Unix(1, 0)
		for len(data) > 2 {
			n := int(data[0])%len(data[1:]) + 1
			pkt := append([]byte(nil), data[1:1+n]...)
			data = data[1+n:]
			kind := MessageRTP
			var sealed []byte
			var err error
			if len(pkt) > 1 && pkt[1] >= 192 && pkt[1] <= 223 {
				kind = MessageRTCP
				sealed, err = out.AppendProtectRTCP(nil, pkt)
			} else {
				sealed, err = out.AppendProtectRTP(nil, pkt)
			}
			if err != nil {
				continue // not RTP at all: SRTP refuses to protect it
			}
			msg, err := m.receive(now, kind, sealed)
			if err != nil {
				continue
			}
			if kind == MessageRTP {
				if _, err := rtp.ParseHeaderView(msg.Data); err != nil {
					t.Fatalf("delivered RTP does not parse: %v", err)
				}
			}
			m.release(msg)
		}
		if len(m.ssrcs) > m.maxSSRCs+2 {
			t.Fatalf("%d streams, limit %d", len(m.ssrcs), m.maxSSRCs)
		}
	})
}

// mediaFuzzSeeds are a few well-formed packets: with MID, with RID, an
// RTX packet, an RTCP SR.
func mediaFuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	mk := func(pt uint8, ssrc uint32, ext map[uint8]string, payload []byte) []byte {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 7, SSRC: ssrc}, Payload: payload}
		for id, v := range ext {
			if err := p.SetExtension(id, []byte(v)); err != nil {
				tb.Fatal(err)
			}
		}
		b, err := p.Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		return append([]byte{byte(len(b) - 1)}, b...)
	}
	seeds = append(seeds, mk(96, 1000, nil, []byte{1, 2, 3}))
	seeds = append(seeds, mk(96, 5, map[uint8]string{4: "1", 10: "h"}, []byte{1}))
	seeds = append(seeds, mk(97, 1001, nil, []byte{0, 7, 9}))
	seeds = append(seeds, mk(97, 6, map[uint8]string{4: "1", 11: "h"}, []byte{0, 7, 9}))
	seeds = append(seeds, mk(111, 9, nil, []byte{1}))
	sr := []byte{0x80, 200, 0, 6, 0, 0, 3, 232, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}
	seeds = append(seeds, append([]byte{byte(len(sr) - 1)}, sr...))
	return seeds
}
