package turn_test

import (
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/rtc-turn/turntest"
)

// boundClient returns an allocated client with a channel bound to peerAddr.
func boundClient(b *testing.B) *turn.Client {
	s := newSetup(b, 1, turn.Config{}, turntest.Config{}, netsim.LinkConfig{Delay: time.Millisecond})
	s.allocate(b)
	turn.Must(b, s.ep.c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: []byte{1}}))
	s.run(b, "channel", func() bool { return s.ep.has(turn.EventChannelBound) })
	return s.ep.c
}

// BenchmarkChannelDataSend: one relayed datagram out on a bound channel.
func BenchmarkChannelDataSend(b *testing.B) {
	c := boundClient(b)
	payload := make([]byte, 1200)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.HandleWrite(turn.Datagram{Peer: peerAddr, Data: payload}); err != nil {
			b.Fatal(err)
		}
		m, ok := c.PollWrite()
		if !ok {
			b.Fatal("nothing sent")
		}
		c.ReleaseWrite(m.Message)
	}
}

// BenchmarkChannelDataReceive: one ChannelData message in from the server.
func BenchmarkChannelDataReceive(b *testing.B) {
	c := boundClient(b)
	msg := turn.AppendChannelData(nil, turn.MinChannel, make([]byte, 1200), false)
	tb := shared.TaggedBytes{Transport: shared.TransportContext{Local: clientAddr, Peer: serverAddr}, Message: msg}
	b.ReportAllocs()
	b.SetBytes(1200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.HandleRead(tb); err != nil {
			b.Fatal(err)
		}
		d, ok := c.PollRead()
		if !ok {
			b.Fatal("nothing read")
		}
		c.ReleaseRead(d.Data)
	}
}
