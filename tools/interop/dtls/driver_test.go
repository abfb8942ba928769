package dtlsinterop

import (
	"errors"
	"net"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// srtpMaterial is the RFC 5764 §4.2 keying material of the profile conn
// negotiated, through rtc-srtp (which owns the profiles and the split):
// the client write key as ConfigsFromExporter derives it, then the raw
// export that peers print, so both paths are compared.
func srtpMaterial(conn *dtls.Conn) ([]byte, error) {
	st, ok := conn.ConnectionState()
	if !ok {
		return nil, errors.New("no handshake")
	}
	p := srtp.Profile(st.SRTPProfile)
	km, err := conn.ExportKeyingMaterial(srtp.ExporterLabel, nil, p.KeyingMaterialLen())
	if err != nil {
		return nil, err
	}
	role := srtp.RoleServer
	if st.IsClient {
		role = srtp.RoleClient
	}
	local, _, err := srtp.ConfigsFromExporter(srtp.Config{Profile: p}, conn, role)
	if err != nil {
		return nil, err
	}
	want, _, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: p}, km, role)
	if err != nil {
		return nil, err
	}
	if string(local.MasterKey) != string(want.MasterKey) || string(local.MasterSalt) != string(want.MasterSalt) {
		return nil, errors.New("ConfigsFromExporter and ConfigsFromDTLS disagree")
	}
	return km, nil
}

// expected passes the errors a real peer's traffic may cause (a dropped
// record: a retransmission, a record for a closed connection) and returns
// any other: an alert or a timeout ends the run with its reason.
func expected(err error) error {
	if err == nil || errors.Is(err, dtls.ErrDropped) || errors.Is(err, dtls.ErrClosed) {
		return nil
	}
	return err
}

// udpPeer runs a sans-I/O dtls.Conn over a real UDP socket on loopback.
type udpPeer struct {
	conn   *dtls.Conn
	udp    *net.UDPConn
	peer   *net.UDPAddr // nil until known (server)
	events []dtls.Event
	reads  [][]byte
}

func (p *udpPeer) flush() error {
	for {
		dg, ok := p.conn.PollWrite()
		if !ok {
			break
		}
		if p.peer == nil || dg.Transport.Peer.IsValid() {
			// The Conn's peer: learnt from the first ClientHello, or moved
			// by a connection ID record (EventPeerAddressChanged).
			p.peer = net.UDPAddrFromAddrPort(dg.Transport.Peer)
		}
		if _, err := p.udp.WriteToUDP(dg.Message, p.peer); err != nil {
			return err
		}
	}
	for {
		e, ok := p.conn.PollEvent()
		if !ok {
			break
		}
		p.events = append(p.events, e)
	}
	for {
		b, ok := p.conn.PollRead()
		if !ok {
			break
		}
		p.reads = append(p.reads, b)
	}
	return nil
}

// run drives the Conn until done reports true or the deadline passes.
func (p *udpPeer) run(done func() bool, limit time.Duration) error {
	end := time.Now().Add(limit)
	buf := make([]byte, 65536)
	local := p.udp.LocalAddr().(*net.UDPAddr).AddrPort()
	for {
		if err := p.flush(); err != nil {
			return err
		}
		if done() {
			return nil
		}
		for _, e := range p.events {
			if e.Kind == dtls.EventClosed && e.Err != nil {
				return e.Err
			}
		}
		if time.Now().After(end) {
			return errors.New("interop: timed out")
		}
		wait := end
		if d, ok := p.conn.PollTimeout(); ok && d.Before(wait) {
			wait = d
		}
		n, from, timedOut, err := peers.ReadUDP(p.udp, buf, wait)
		now := time.Now()
		if err != nil {
			return err
		}
		if timedOut {
			if err := expected(p.conn.HandleTimeout(now)); err != nil {
				return err
			}
			continue
		}
		if err := expected(p.conn.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: local, Peer: from}, Message: buf[:n]})); err != nil {
			return err
		}
	}
}

func (p *udpPeer) state() *dtls.ConnectionState {
	for _, e := range p.events {
		if e.Kind == dtls.EventHandshakeComplete {
			return e.State
		}
	}
	return nil
}

func (p *udpPeer) established() bool { return p.state() != nil }
