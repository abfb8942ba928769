package stun

import (
	"bytes"
	"testing"

	"github.com/pion/ice/v4"
	pion "github.com/pion/stun/v4"
	ours "github.com/sansrtc/rtc/rtc-stun"
	"github.com/sansrtc/rtc/tools/internal/benchutil"
)

const (
	username = "h6vYevtj:RmTxUk1b"
	password = "VOkJxbRl1RmTxUk/WvJxBt"
	priority = 0x6e0001ff
	tie      = 0x932ff9b151263b36
)

var tid = [12]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

// request is the encoded ICE Binding request, built with rtc-stun.
func request(tb testing.TB) []byte {
	in := ours.NewIntegrity([]byte(password))
	b := ours.NewBuilder(nil, ours.BindingRequest, tid)
	b.AddUsername(username)
	b.AddPriority(priority)
	b.AddICEControlling(tie)
	b.AddUseCandidate()
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	raw, err := b.Bytes()
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func pionBuild(m *pion.Message, integrity pion.MessageIntegrity) error {
	return m.Build(pion.BindingRequest, pion.NewTransactionIDSetter(tid),
		pion.NewUsername(username), ice.PriorityAttr(priority), ice.AttrControlling(tie),
		ice.UseCandidate(), integrity, pion.Fingerprint)
}

// Both encoders produce the same bytes, and both decoders accept them.
func TestSameInput(t *testing.T) {
	raw := request(t)
	m := new(pion.Message)
	if err := pionBuild(m, pion.NewShortTermIntegrity(password)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Raw, raw) {
		t.Fatalf("encodings differ\nours %x\npion %x", raw, m.Raw)
	}
	if err := pionDecode(m, raw); err != nil {
		t.Fatal(err)
	}
	if err := oursDecode(new(ours.Message), raw); err != nil {
		t.Fatal(err)
	}
}

var sinkU32 uint32
var sinkU64 uint64
var sinkBool bool

func oursDecode(m *ours.Message, raw []byte) error {
	if err := ours.Parse(raw, m); err != nil {
		return err
	}
	u, err := m.Username()
	if err != nil {
		return err
	}
	p, err := m.Priority()
	if err != nil {
		return err
	}
	c, err := m.ICEControlling()
	if err != nil {
		return err
	}
	sinkU32, sinkU64, sinkBool = p+uint32(len(u)), c, m.UseCandidate()
	return nil
}

func pionDecode(m *pion.Message, raw []byte) error {
	m.Raw = raw // alias, as rtc-stun does: no copy on either side
	return pionRead(m)
}

func pionRead(m *pion.Message) error {
	if err := m.Decode(); err != nil {
		return err
	}
	var u pion.Username
	if err := u.GetFrom(m); err != nil {
		return err
	}
	var p ice.PriorityAttr
	if err := p.GetFrom(m); err != nil {
		return err
	}
	var c ice.AttrControlling
	if err := c.GetFrom(m); err != nil {
		return err
	}
	sinkU32, sinkU64, sinkBool = uint32(p)+uint32(len(u)), uint64(c), ice.UseCandidateAttr{}.IsSet(m)
	return nil
}

func BenchmarkDecode(b *testing.B) {
	raw := request(b)
	b.Run("impl=sansrtc", func(b *testing.B) {
		var m ours.Message
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := oursDecode(&m, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=pion", func(b *testing.B) {
		m := new(pion.Message)
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := pionDecode(m, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What pion/ice v4.4.2 does per inbound STUN packet
	// (candidate_base.go handleInboundSTUNMessage): a new Message with a
	// copy of the datagram, then Decode.
	b.Run("impl=pion-ice-path", func(b *testing.B) {
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			m := &pion.Message{Raw: make([]byte, len(raw))}
			copy(m.Raw, raw)
			if err := pionRead(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeVerify(b *testing.B) {
	raw := request(b)
	b.Run("impl=sansrtc", func(b *testing.B) {
		var m ours.Message
		in := ours.NewIntegrity([]byte(password))
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := oursDecode(&m, raw); err != nil {
				b.Fatal(err)
			}
			if err := in.Check(&m); err != nil {
				b.Fatal(err)
			}
			if err := m.CheckFingerprint(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=pion", func(b *testing.B) {
		m := new(pion.Message)
		in := pion.NewShortTermIntegrity(password)
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := pionDecode(m, raw); err != nil {
				b.Fatal(err)
			}
			if err := in.Check(m); err != nil {
				b.Fatal(err)
			}
			if err := pion.Fingerprint.Check(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	b.Run("impl=sansrtc", func(b *testing.B) {
		in := ours.NewIntegrity([]byte(password))
		buf := make([]byte, 0, 256)
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			m := ours.NewBuilder(buf[:0], ours.BindingRequest, tid)
			m.AddUsername(username)
			m.AddPriority(priority)
			m.AddICEControlling(tie)
			m.AddUseCandidate()
			m.AddMessageIntegrity(in)
			m.AddFingerprint()
			if _, err := m.Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=pion", func(b *testing.B) {
		m := new(pion.Message)
		in := pion.NewShortTermIntegrity(password)
		defer benchutil.Measure(b, 0).Stop()
		for b.Loop() {
			if err := pionBuild(m, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
