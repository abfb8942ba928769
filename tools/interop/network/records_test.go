package network

import (
	"testing"
	"time"
)

// TestRecords: the datagram classifier of the wire figures splits
// DTLSPlaintext and unified-header records (RFC 9147 §4) and finds the
// first ClientHello and the first application data record: content type 23
// in 1.2, epoch 3 in 1.3 (an epoch-2 ciphertext record is a handshake
// record, not application data). STUN gives no record.
func TestRecords(t *testing.T) {
	plain := func(ct byte, epoch uint16, body ...byte) []byte {
		h := []byte{ct, 0xfe, 0xfd, byte(epoch >> 8), byte(epoch), 0, 0, 0, 0, 0, 0, byte(len(body) >> 8), byte(len(body))}
		return append(h, body...)
	}
	// 001CSLEE with S=1 (16-bit sequence), L=1 (length), epoch bits e.
	unified := func(e byte, body ...byte) []byte {
		return append([]byte{0x2c | e, 0, 1, byte(len(body) >> 8), byte(len(body))}, body...)
	}
	clientHello := plain(22, 0, 1, 0, 0, 9)
	stun := []byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42}
	cases := []struct {
		name string
		p    []byte
		want []record
	}{
		{"stun", stun, nil},
		{"client hello", clientHello, []record{{contentType: 22, handshake: 1}}},
		{"server flight 1.3", append(plain(22, 0, 2, 0, 0, 1), unified(2, 1, 2, 3)...),
			[]record{{contentType: 22, handshake: 2}, {unified: true, epoch: 2}}},
		{"unified without length", []byte{0x23, 7, 1, 2, 3}, []record{{unified: true, epoch: 3}}},
		{"1.2 finished then data", append(plain(22, 1, 0xaa), plain(23, 1, 0xbb)...),
			[]record{{contentType: 22, epoch: 1}, {contentType: 23, epoch: 1}}},
		{"truncated", plain(22, 0, 1)[:10], nil},
	}
	for _, c := range cases {
		got := records(c.p)
		if len(got) != len(c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: record %d %+v, want %+v", c.name, i, got[i], c.want[i])
			}
		}
	}

	useCandidate := append(append([]byte{0, 1, 0, 4}, stun[4:]...), make([]byte, 12)...)
	useCandidate = append(useCandidate, 0, 0x25, 0, 0)
	for _, k := range []struct {
		p    []byte
		want string
	}{
		{append(append([]byte{}, stun[:4]...), append(stun[4:], make([]byte, 12)...)...), "stun-req"},
		{useCandidate, "stun-req(U)"},
		{clientHello, "hs1"},
		{append(plain(22, 0, 2), unified(2, 1)...), "hs2+e2"},
		{plain(23, 1, 7), "ct23/e1"},
	} {
		if got := kinds(k.p); got != k.want {
			t.Errorf("kinds(% x) = %q, want %q", k.p, got, k.want)
		}
	}

	t0 := time.Unix(100, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	ds := []datagram{
		{at: ms(0), fromUs: false, payload: stun},
		{at: ms(1), fromUs: true, payload: clientHello},
		{at: ms(3), fromUs: true, payload: clientHello}, // a retransmission
		{at: ms(4), fromUs: false, payload: append(plain(22, 0, 2, 0, 0, 1), unified(2, 1)...)},
		{at: ms(5), fromUs: true, payload: unified(2, 9)}, // client Finished: handshake epoch
		{at: ms(6), fromUs: true, payload: unified(3, 9)}, // application data
		{at: ms(7), fromUs: false, payload: unified(3, 9)},
	}
	h, err := timing(ds)
	if err != nil {
		t.Fatal(err)
	}
	if !h.WeAreClient || !h.AppDataFromUs || h.HelloDatagrams != 2 || h.ToAppData != 5*time.Millisecond || h.ToClientAppData != 5*time.Millisecond {
		t.Errorf("timing %+v, want us the client, 2 hello datagrams, our application data 5 ms after", h)
	}
	// The server's epoch-3 ACK comes first: the client's data is timed apart.
	ds[5].fromUs, ds[6].fromUs = false, true
	if h, err = timing(ds); err != nil || h.AppDataFromUs || h.ToAppData != 5*time.Millisecond || h.ToClientAppData != 6*time.Millisecond {
		t.Errorf("timing %+v (%v), want the server's record at 5 ms and the client's at 6 ms", h, err)
	}
	if _, err := timing(ds[:5]); err == nil {
		t.Error("timing without application data: no error")
	}
	if _, err := timing(ds[:1]); err == nil {
		t.Error("timing without a ClientHello: no error")
	}
}
