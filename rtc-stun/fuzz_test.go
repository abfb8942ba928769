package stun

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func fuzzSeeds(f *testing.F) {
	b, err := os.ReadFile("testdata/rfc5769_stun_vectors.json")
	if err != nil {
		f.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		f.Fatal(err)
	}
	for _, vec := range v.Vectors {
		raw, _ := hex.DecodeString(vec.MessageHex)
		f.Add(raw)
	}
	b, _ = os.ReadFile("testdata/rfc8489_appendix_b1_sha256.json")
	var e struct {
		Errata struct {
			MessageHex string `json:"message_hex"`
		} `json:"errata_6268_vector"`
	}
	_ = json.Unmarshal(b, &e)
	raw, _ := hex.DecodeString(e.Errata.MessageHex)
	f.Add(raw)
	f.Add(buildAll(f))
	f.Add(iceRequest(nil, NewIntegrity([]byte("k"))))
}

// FuzzParse: whatever parses re-encodes (attribute by attribute) and
// re-parses to the same type, transaction ID and attributes; no getter
// panics on any input.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	in := NewIntegrity([]byte("VOkJxbRl1RmTxUk/WvJxBt"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if err := Parse(data, &m); err != nil {
			return
		}
		// Exercise every getter.
		_, _ = m.Username()
		_, _ = m.XORMappedAddress()
		_, _ = m.MappedAddress()
		_, _ = m.XORPeerAddress()
		_, _ = m.XORRelayedAddress()
		_, _ = m.AlternateServer()
		_, _, _ = m.ErrorCode()
		_, _, _, _ = m.AddressErrorCode()
		_, _ = m.UnknownAttributes(nil)
		_, _ = m.PasswordAlgorithms(nil)
		_, _ = m.PasswordAlgorithm()
		_, _ = m.ICMP()
		_, _ = m.EvenPort()
		_, _ = m.RequestedAddressFamily()
		_, _ = m.ChannelNumber()
		_ = m.UnknownRequired(nil)
		_ = in.Check(&m)
		_ = in.CheckSHA1(&m)
		_ = m.CheckFingerprint()
		_ = Classify(data)
		_ = m.String()

		b := NewBuilder(nil, m.Type, m.TransactionID)
		for _, a := range m.All() {
			b.Add(a.Type, a.Value)
		}
		out, err := b.Bytes()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var m2 Message
		if err := Parse(out, &m2); err != nil {
			t.Fatalf("re-parse: %v\n%x", err, out)
		}
		if m2.Type != m.Type || m2.TransactionID != m.TransactionID || m2.Len() != m.Len() {
			t.Fatalf("header or count changed: %v vs %v", &m, &m2)
		}
		for i := range m.Len() {
			a, a2 := m.Attr(i), m2.Attr(i)
			if a.Type != a2.Type || !bytes.Equal(a.Value, a2.Value) {
				t.Fatalf("attribute %d changed: %v %x vs %v %x", i, a.Type, a.Value, a2.Type, a2.Value)
			}
		}
	})
}

// FuzzClient feeds arbitrary datagrams and timer firings to a Client with
// outstanding transactions: no panic, no deadline before the latest time,
// the outstanding count stays bounded, and every started transaction ends
// at most once.
func FuzzClient(f *testing.F) {
	f.Add([]byte{0, 1, 2}, bindingResponse(f, TransactionID{1}, clientAddr))
	f.Add([]byte{200, 255}, buildAll(f))
	f.Fuzz(func(t *testing.T, steps []byte, datagram []byte) {
		c := NewClient(Config{MaxTransactions: 3})
		now := t0
		for i := range 3 {
			_ = c.HandleWrite(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingRequest(t, TransactionID{byte(i)})})
		}
		ended := map[TransactionID]int{}
		for _, s := range steps {
			switch {
			case s < 100:
				now = now.Add(time.Duration(s) * 10 * time.Millisecond)
				_ = c.HandleTimeout(now)
			case s < 200:
				_ = c.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: datagram})
			default:
				// A matching response, possibly a duplicate.
				_ = c.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingResponse(t, TransactionID{s % 4}, clientAddr)})
			}
			for {
				if _, ok := c.PollWrite(); !ok {
					break
				}
			}
			for {
				ev, ok := c.PollEvent()
				if !ok {
					break
				}
				ended[ev.TransactionID]++
				if ended[ev.TransactionID] > 1 {
					t.Fatalf("transaction %v ended twice", ev.TransactionID)
				}
			}
			if d, ok := c.PollTimeout(); ok && d.Before(now) {
				t.Fatalf("deadline %v before now %v", d, now)
			}
			if c.Outstanding() > 3 {
				t.Fatal("outstanding over the limit")
			}
		}
	})
}
