package sctp

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/logging"
	pion "github.com/pion/sctp"
	dc "github.com/sansrtc/rtc/rtc-datachannel"
	ours "github.com/sansrtc/rtc/rtc-sctp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// mgrDriver runs one of our datachannel Managers on a goroutine.
type mgrDriver struct {
	*loop[*dc.Manager, dc.Event, dc.Message]
}

func newMgrDriver(t *testing.T, cfg dc.Config, conn *peers.MemConn) *mgrDriver {
	m, err := dc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &mgrDriver{startLoop[*dc.Manager](t, m, conn, conn, nil)}
}

func (d *mgrDriver) wait(t *testing.T, k dc.EventKind) dc.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-d.events:
			if e.Kind == k {
				return e
			}
		case <-deadline:
			t.Fatalf("timeout waiting for %v", k)
		}
	}
}

// TestPionDataChannel runs our datachannel.Manager (as the DTLS client,
// even stream ids) against pion/datachannel on a pion/sctp association:
// DCEP both ways, every PPID, and closing from either side.
func TestPionDataChannel(t *testing.T) {
	oc, pc := peers.MemPipe(4096)
	d := newMgrDriver(t, dc.Config{DTLSClient: true, SCTP: ours.Config{PeerMaxMessageSize: 65536}}, oc)
	must(t, d.do(func(m *dc.Manager) error { return m.Connect(time.Now()) }))
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	pa, err := pion.ServerWithOptions(pion.WithNetConn(pc), pion.WithLoggerFactory(lf))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	d.wait(t, dc.EventConnected)

	// Ours opens a partially reliable unordered channel in-band.
	var id uint16
	three := uint16(3)
	must(t, d.do(func(m *dc.Manager) (err error) {
		id, err = m.Open(dc.Options{Label: "ours", Protocol: "proto", Unordered: true, MaxRetransmits: &three})
		return err
	}))
	if id%2 != 0 {
		t.Fatalf("DTLS client got odd id %d", id)
	}
	pch, err := datachannel.Accept(pa, &datachannel.Config{LoggerFactory: lf})
	if err != nil {
		t.Fatal(err)
	}
	if pch.Config.Label != "ours" || pch.Config.Protocol != "proto" || pch.Config.ChannelType != datachannel.ChannelTypePartialReliableRexmitUnordered || pch.Config.ReliabilityParameter != 3 {
		t.Fatalf("pion sees %+v", pch.Config)
	}
	d.wait(t, dc.EventOpen)
	// Pion -> ours: string, binary, empty string, empty binary.
	for _, w := range []struct {
		data   string
		string bool
	}{{"text", true}, {"bin", false}, {"", true}, {"", false}} {
		if _, err := pch.WriteDataChannel([]byte(w.data), w.string); err != nil {
			t.Fatal(err)
		}
		got := d.read(t)
		if string(got.Data) != w.data || got.Binary == w.string || got.Data == nil {
			t.Fatalf("ours got %+v for %+v", got, w)
		}
	}
	// Ours -> Pion.
	buf := make([]byte, 1<<17)
	for _, w := range []dc.Message{{Channel: id, Data: []byte("hello")}, {Channel: id, Binary: true, Data: make([]byte, 60000)}, {Channel: id}, {Channel: id, Binary: true}} {
		if err := d.do(func(m *dc.Manager) error { return m.HandleWrite(w) }); err != nil {
			t.Fatal(err)
		}
		n, isString, err := pch.ReadDataChannel(buf)
		if err != nil || n != len(w.Data) || isString == w.Binary {
			t.Fatalf("pion got n=%d string=%v err=%v for %d bytes binary=%v", n, isString, err, len(w.Data), w.Binary)
		}
	}
	// Pion opens a channel (odd id, as the DTLS server).
	pch2, err := datachannel.Dial(pa, 1, &datachannel.Config{Label: "pion", ChannelType: datachannel.ChannelTypeReliable, LoggerFactory: lf})
	if err != nil {
		t.Fatal(err)
	}
	e := d.wait(t, dc.EventDataChannel)
	var info dc.Info
	must(t, d.do(func(m *dc.Manager) error { info, _ = m.Channel(e.Channel); return nil }))
	if e.Channel != 1 || info.Label != "pion" || info.Type != dc.ChannelReliable {
		t.Fatalf("ours sees %d %+v", e.Channel, info)
	}
	if _, err := pch2.WriteDataChannel([]byte("from pion"), true); err != nil {
		t.Fatal(err)
	}
	if got := d.read(t); got.Channel != 1 || string(got.Data) != "from pion" {
		t.Fatalf("%+v", got)
	}
	// Ours closes its channel: Pion reads EOF.
	must(t, d.do(func(m *dc.Manager) error { return m.CloseChannel(id) }))
	if _, _, err := pch.ReadDataChannel(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("pion read after close: %v", err)
	}
	must(t, pch.Close())
	if e := d.wait(t, dc.EventClose); e.Channel != id {
		t.Fatalf("close event %+v", e)
	}
	// Pion closes its channel: ours sees closing, then close.
	must(t, pch2.Close())
	if e := d.wait(t, dc.EventClosing); e.Channel != 1 {
		t.Fatalf("closing %+v", e)
	}
	if e := d.wait(t, dc.EventClose); e.Channel != 1 {
		t.Fatalf("close %+v", e)
	}
}
