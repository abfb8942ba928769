package srtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func testKeys(p Profile) (key, salt []byte) {
	key = make([]byte, p.KeyLen())
	salt = make([]byte, p.SaltLen())
	for i := range key {
		key[i] = byte(i*7 + 1)
	}
	for i := range salt {
		salt[i] = byte(0xa0 + i)
	}
	return key, salt
}

func newPair(t testing.TB, cfg Config) (tx, rx *Context) {
	t.Helper()
	cfg.MasterKey, cfg.MasterSalt = testKeys(cfg.Profile)
	tx, err := NewContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rx, err = NewContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tx, rx
}

// rtpPacket builds an RTP packet with a CSRC and a one-byte header extension.
func rtpPacket(seq uint16, ssrc uint32, payload int) []byte {
	b := []byte{0x91, 0x60, 0, 0, 0, 0, 0x30, 0x39, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe,
		0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	for i := 0; i < payload; i++ {
		b = append(b, byte(i))
	}
	return b
}

func rtcpPacket(ssrc uint32) []byte {
	// An RR with one report block, then an SDES CNAME.
	b := []byte{0x81, 201, 0, 7, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[4:], ssrc)
	b = append(b, make([]byte, 24)...)
	b = append(b, 0x81, 202, 0, 3, 0, 0, 0, 1, 1, 3, 'a', 'b', 'c', 0, 0, 0)
	return b
}

func TestRoundTripAllProfiles(t *testing.T) {
	for _, p := range Profiles() {
		for _, mki := range [][]byte{nil, {1, 2, 3, 4}} {
			for _, unenc := range []bool{false, true} {
				name := fmt.Sprintf("%v/mki=%d/unencrypted=%v", p, len(mki), unenc)
				t.Run(name, func(t *testing.T) {
					tx, rx := newPair(t, Config{Profile: p, MKI: mki, UnencryptedSRTP: unenc, UnencryptedSRTCP: unenc})
					for i := 0; i < 5; i++ {
						pkt := rtpPacket(uint16(65533+i), 0x1234, 100+i)
						srtp, err := tx.AppendProtectRTP(nil, pkt)
						if err != nil {
							t.Fatal(err)
						}
						if len(srtp) != len(pkt)+tx.RTPOverhead() {
							t.Fatalf("len %d, want %d", len(srtp), len(pkt)+tx.RTPOverhead())
						}
						if !unenc && !mustParams(p).NullCipher && bytes.Equal(srtp[24:len(pkt)], pkt[24:]) {
							t.Fatal("payload not encrypted")
						}
						got, err := rx.AppendUnprotectRTP(nil, srtp)
						if err != nil {
							t.Fatalf("packet %d: %v", i, err)
						}
						if !bytes.Equal(got, pkt) {
							t.Fatalf("round trip differs")
						}
						rtcp := rtcpPacket(0x1234)
						srtcp, err := tx.AppendProtectRTCP(nil, rtcp)
						if err != nil {
							t.Fatal(err)
						}
						got, err = rx.AppendUnprotectRTCP(nil, srtcp)
						if err != nil {
							t.Fatalf("rtcp %d: %v", i, err)
						}
						if !bytes.Equal(got, rtcp) {
							t.Fatal("rtcp round trip differs")
						}
					}
					st, _ := rx.ReceiverState(0x1234)
					if st.ROC != 1 || st.HighestSeq != 1 {
						t.Errorf("receiver state %+v, want ROC 1 seq 1", st)
					}
				})
			}
		}
	}
}

func TestInPlaceNeedsCapacity(t *testing.T) {
	tx, _ := newPair(t, Config{Profile: AES128CMHMACSHA1_80})
	pkt := rtpPacket(1, 1, 10)
	if _, err := tx.ProtectRTP(pkt[:len(pkt):len(pkt)]); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("err = %v, want ErrShortBuffer", err)
	}
	if _, ok := tx.SenderState(1); ok {
		t.Fatal("state created by a failed protect")
	}
	buf := make([]byte, len(pkt), len(pkt)+tx.RTPOverhead())
	copy(buf, pkt)
	out, err := tx.ProtectRTP(buf)
	if err != nil || &out[0] != &buf[0] {
		t.Fatalf("in place: err %v, aliased %v", err, err == nil && &out[0] == &buf[0])
	}
}

// rxSnapshot captures everything a rejected packet must leave alone.
func rxSnapshot(c *Context, ssrc uint32, probes []uint64) string {
	st, ok := c.ReceiverState(ssrc)
	s := fmt.Sprintf("%v %+v n=%d", ok, st, len(c.rx))
	if str := c.rx[ssrc]; str != nil && c.replay {
		for _, p := range probes {
			s += fmt.Sprintf(" %v/%v", str.rtpWin.Check(p), str.rtcpWin.Check(p))
		}
	}
	return s
}

// TestRejections covers each rejection path and checks that it returns its
// own error and changes no state (RFC 3711 §3.3: a packet that fails is
// discarded; only authenticated packets update ROC, s_l and the window).
func TestRejections(t *testing.T) {
	for _, p := range []Profile{AES128CMHMACSHA1_80, AEADAES128GCM} {
		t.Run(p.String(), func(t *testing.T) {
			tx, rx := newPair(t, Config{Profile: p, MaxSSRCs: 1})
			var sent [][]byte
			for seq := uint16(100); seq < 110; seq++ {
				b, err := tx.AppendProtectRTP(nil, rtpPacket(seq, 7, 50))
				if err != nil {
					t.Fatal(err)
				}
				sent = append(sent, b)
			}
			rtcp1, err := tx.AppendProtectRTCP(nil, rtcpPacket(7))
			if err != nil {
				t.Fatal(err)
			}
			rtcp2, err := tx.AppendProtectRTCP(nil, rtcpPacket(7))
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range sent[:5] {
				if _, err := rx.AppendUnprotectRTP(nil, b); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rx.AppendUnprotectRTCP(nil, rtcp1); err != nil {
				t.Fatal(err)
			}
			probes := []uint64{0, 100, 104, 105, 109, 200}
			before := rxSnapshot(rx, 7, probes)

			forged := append([]byte(nil), sent[6]...)
			forged[len(forged)-1] ^= 1
			other, _ := newPair(t, Config{Profile: p})
			newSSRC, err := other.AppendProtectRTP(nil, rtpPacket(1, 8, 10))
			if err != nil {
				t.Fatal(err)
			}
			forgedRTCP := append([]byte(nil), rtcp2...)
			forgedRTCP[10] ^= 0x80
			cases := []struct {
				name string
				pkt  []byte
				rtcp bool
				want error
			}{
				{"auth failure", forged, false, ErrAuthFailed},
				{"replay", sent[2], false, ErrReplay},
				{"too short", sent[6][:20], false, ErrTooShort},
				{"header overruns", sent[6][:12+3], false, ErrTooShort},
				{"new SSRC beyond the bound", newSSRC, false, ErrTooManySSRCs},
				{"not version 2", append([]byte{0x40}, sent[6][1:]...), false, ErrNotRTP},
				{"rtcp replay", rtcp1, true, ErrReplay},
				{"rtcp auth failure", forgedRTCP, true, ErrAuthFailed},
				{"rtcp too short", rtcp1[:10], true, ErrTooShort},
			}
			for _, tc := range cases {
				var err error
				buf := append([]byte(nil), tc.pkt...)
				if tc.rtcp {
					_, err = rx.UnprotectRTCP(buf)
				} else {
					_, err = rx.UnprotectRTP(buf)
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
				}
				if after := rxSnapshot(rx, 7, probes); after != before {
					t.Errorf("%s changed state:\n%s\n%s", tc.name, before, after)
				}
			}
			st := rx.Stats()
			if st.AuthFailures != 2 || st.Replays != 2 || st.TooShort != 4 || st.SSRCLimit != 1 {
				t.Errorf("stats %+v", st)
			}
			// The genuine packet is still accepted afterwards.
			if _, err := rx.AppendUnprotectRTP(nil, sent[6]); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReplayWindowSize(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80, ReplayWindow: 128})
	var sent [][]byte
	for seq := uint16(0); seq < 200; seq++ {
		b, err := tx.AppendProtectRTP(nil, rtpPacket(seq, 7, 10))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, b)
	}
	if _, err := rx.AppendUnprotectRTP(nil, sent[199]); err != nil {
		t.Fatal(err)
	}
	// 199-100 = 99 < 128: inside the window, new.
	if _, err := rx.AppendUnprotectRTP(nil, sent[100]); err != nil {
		t.Fatalf("inside the window: %v", err)
	}
	// 199-60 = 139 >= 128: left of the window.
	if _, err := rx.AppendUnprotectRTP(nil, sent[60]); !errors.Is(err, ErrReplay) {
		t.Fatalf("left of the window: %v", err)
	}
	_, rx2 := newPair(t, Config{Profile: AES128CMHMACSHA1_80, DisableReplayProtection: true})
	for i := 0; i < 2; i++ {
		if _, err := rx2.AppendUnprotectRTP(nil, sent[5]); err != nil {
			t.Fatalf("replay protection disabled: %v", err)
		}
	}
}

// TestIndexEstimation drives RFC 3711 Appendix A across wraps, with
// reordering around the wrap.
func TestIndexEstimation(t *testing.T) {
	s := &stream{}
	type step struct {
		seq     uint16
		wantROC uint32
	}
	steps := []step{{65530, 0}, {65535, 0}, {2, 1}, {65534, 0}, {3, 1}, {20000, 1}, {40000, 1}, {10, 2}, {65000, 1}, {32767, 2}, {1, 2}}
	for i, st := range steps {
		v := s.estimateROC(st.seq)
		if v != st.wantROC {
			t.Fatalf("step %d seq %d: ROC %d, want %d", i, st.seq, v, st.wantROC)
		}
		s.update(v, st.seq)
	}
	// ROC-1 at ROC 0 stays 0.
	s = &stream{}
	s.update(0, 100)
	if v := s.estimateROC(40000); v != 0 {
		t.Fatalf("ROC %d, want 0", v)
	}
}

func TestROCOverSenderWrap(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AEADAES128GCM})
	for i := 0; i < 70000; i += 7 {
		pkt := rtpPacket(uint16(i), 9, 20)
		srtp, err := tx.AppendProtectRTP(nil, pkt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, srtp); err != nil {
			t.Fatalf("seq %d: %v", i, err)
		}
	}
	st, _ := rx.ReceiverState(9)
	if st.ROC != 1 {
		t.Fatalf("ROC %d", st.ROC)
	}
	if err := tx.SetSenderROC(10, ^uint32(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AppendProtectRTP(nil, rtpPacket(65535, 10, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AppendProtectRTP(nil, rtpPacket(0, 10, 1)); !errors.Is(err, ErrIndexExhausted) {
		t.Fatalf("err %v, want ErrIndexExhausted", err)
	}
}

func TestSetReceiverROC(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_32})
	if err := tx.SetSenderROC(5, 3); err != nil {
		t.Fatal(err)
	}
	srtp, err := tx.AppendProtectRTP(nil, rtpPacket(10, 5, 20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AppendUnprotectRTP(nil, srtp); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("without the ROC: %v", err)
	}
	if err := rx.SetReceiverROC(5, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AppendUnprotectRTP(nil, srtp); err != nil {
		t.Fatalf("with the ROC: %v", err)
	}
}

func TestMKIKeys(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80, MKI: []byte{0, 1}})
	k2, s2 := make([]byte, 16), make([]byte, 14)
	k2[0] = 9
	for _, c := range []*Context{tx, rx} {
		if err := c.AddKey([]byte{0, 2}, k2, s2); err != nil {
			t.Fatal(err)
		}
	}
	a, err := tx.AppendProtectRTP(nil, rtpPacket(1, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.SetSendMKI([]byte{0, 2}); err != nil {
		t.Fatal(err)
	}
	b, err := tx.AppendProtectRTP(nil, rtpPacket(2, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[len(b)-12:len(b)-10], []byte{0, 2}) {
		t.Fatalf("MKI not on the wire: %x", b)
	}
	for _, p := range [][]byte{a, b} {
		if _, err := rx.AppendUnprotectRTP(nil, p); err != nil {
			t.Fatal(err)
		}
	}
	c, err := tx.AppendProtectRTP(nil, rtpPacket(3, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	c[len(c)-11] = 7
	if _, err := rx.AppendUnprotectRTP(nil, c); !errors.Is(err, ErrUnknownMKI) {
		t.Fatalf("err %v, want ErrUnknownMKI", err)
	}
	if err := rx.RemoveKey([]byte{0, 2}); err != nil {
		t.Fatal(err)
	}
	if err := tx.RemoveKey([]byte{0, 2}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("removing the send key: %v", err)
	}
}

func TestConfigsFromDTLS(t *testing.T) {
	p := AEADAES256GCM
	material := make([]byte, p.KeyingMaterialLen())
	for i := range material {
		material[i] = byte(i)
	}
	cl, cr, err := ConfigsFromDTLS(Config{Profile: p}, material, RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	sl, sr, err := ConfigsFromDTLS(Config{Profile: p}, material, RoleServer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cl.MasterKey, material[:32]) || !bytes.Equal(cl.MasterSalt, material[64:76]) {
		t.Fatal("client write key misplaced")
	}
	if !bytes.Equal(sl.MasterKey, material[32:64]) || !bytes.Equal(sl.MasterSalt, material[76:88]) {
		t.Fatal("server write key misplaced")
	}
	client, err := NewContext(cl)
	if err != nil {
		t.Fatal(err)
	}
	server, err := NewContext(sr)
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := client.AppendProtectRTP(nil, rtpPacket(1, 1, 5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.AppendUnprotectRTP(nil, pkt); err != nil {
		t.Fatal(err)
	}
	_ = cr
	if _, _, err := ConfigsFromDTLS(Config{Profile: p}, material[1:], RoleClient); !errors.Is(err, ErrBadConfig) {
		t.Fatal("short material accepted")
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := NewContext(Config{Profile: 0x99}); !errors.Is(err, ErrBadConfig) {
		t.Fatal(err)
	}
	if _, err := NewContext(Config{Profile: AEADAES128GCM, MasterKey: make([]byte, 16), MasterSalt: make([]byte, 14)}); !errors.Is(err, ErrBadConfig) {
		t.Fatal(err)
	}
	if Profile(0x99).String() != "Profile(0x99)" || AEADAES128GCM.String() != "SRTP_AEAD_AES_128_GCM" {
		t.Fatal("String")
	}
}

func TestSSRCBoundAndRemove(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80, MaxSSRCs: 2})
	for ssrc := uint32(1); ssrc <= 3; ssrc++ {
		pkt, err := tx.AppendProtectRTP(nil, rtpPacket(1, ssrc, 5))
		if ssrc == 3 {
			if !errors.Is(err, ErrTooManySSRCs) {
				t.Fatalf("sender bound: %v", err)
			}
			tx.RemoveSSRC(1)
			pkt, err = tx.AppendProtectRTP(nil, rtpPacket(1, ssrc, 5))
		}
		if err != nil {
			t.Fatal(err)
		}
		_, err = rx.AppendUnprotectRTP(nil, pkt)
		if ssrc == 3 {
			if !errors.Is(err, ErrTooManySSRCs) {
				t.Fatalf("receiver bound: %v", err)
			}
			rx.RemoveSSRC(1)
			_, err = rx.AppendUnprotectRTP(nil, pkt)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestZeroAllocs proves the steady-state hot paths allocate nothing.
func TestZeroAllocs(t *testing.T) {
	for _, p := range Profiles() {
		tx, rx := newPair(t, Config{Profile: p})
		pkt := rtpPacket(0, 1, 1200)
		buf := make([]byte, 0, len(pkt)+64)
		seq := uint16(0)
		rtpAllocs := testing.AllocsPerRun(200, func() {
			seq++
			binary.BigEndian.PutUint16(pkt[2:], seq)
			buf = append(buf[:0], pkt...)
			out, err := tx.ProtectRTP(buf)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rx.UnprotectRTP(out); err != nil {
				t.Fatal(err)
			}
		})
		rtcp := rtcpPacket(1)
		rtcpAllocs := testing.AllocsPerRun(200, func() {
			buf = append(buf[:0], rtcp...)
			out, err := tx.ProtectRTCP(buf)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rx.UnprotectRTCP(out); err != nil {
				t.Fatal(err)
			}
		})
		if rtpAllocs != 0 || rtcpAllocs != 0 {
			t.Errorf("%v: %v allocs per SRTP round trip, %v per SRTCP", p, rtpAllocs, rtcpAllocs)
		}
	}
}

func TestIsRTCP(t *testing.T) {
	if IsRTCP(rtpPacket(1, 1, 1)) || !IsRTCP(rtcpPacket(1)) || IsRTCP([]byte{0x80}) {
		t.Fatal("RFC 5761 demultiplexing")
	}
	// Marker bit set with payload type 72..95 would collide; those payload
	// types are excluded by RFC 5761 §4, so 0x80|96 = 224 is RTP.
	if IsRTCP([]byte{0x80, 224}) {
		t.Fatal("PT 96 with marker taken for RTCP")
	}
}

// TestSRTCPIndexExhausted: RFC 3711 §3.4 gives the SRTCP index 31 bits; the
// sender must re-key rather than wrap it (§9.2).
func TestSRTCPIndexExhausted(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80})
	s, err := tx.stream(tx.tx, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	s.rtcpNext = maxSRTCPIndex
	last, err := tx.AppendProtectRTCP(nil, rtcpPacket(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AppendProtectRTCP(nil, rtcpPacket(1)); !errors.Is(err, ErrIndexExhausted) {
		t.Fatalf("err %v", err)
	}
	if _, err := rx.AppendUnprotectRTCP(nil, last); err != nil {
		t.Fatal(err)
	}
	if st, _ := rx.ReceiverState(1); st.SRTCPIndex != maxSRTCPIndex {
		t.Fatalf("index %d", st.SRTCPIndex)
	}
}
