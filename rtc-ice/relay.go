package ice

import (
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// relayAlloc is one TURN allocation made from a host address.
type relayAlloc struct {
	client relayClient
	socket netip.AddrPort // the caller's local address talking to the server
	server netip.AddrPort
	proto  shared.TransportProtocol
	host   *localCand
	cand   *localCand // the relayed candidate once allocated
	done   bool       // allocation finished, for the gathering state
}

// relayClient is what the agent needs of a TURN client.
type relayClient interface {
	HandleRead(shared.TaggedBytes) error
	PollWrite() (shared.TaggedBytes, bool)
	HandleTimeout(time.Time) error
	PollTimeout() (time.Time, bool)
	Close() error
	HandleWrite(relayData) error
}

type relayData struct {
	peer netip.AddrPort
	data []byte
}

func turnData(peer netip.AddrPort, msg []byte) relayData { return relayData{peer, msg} }

func (a *Agent) startRelay(now time.Time, h *localCand, s TURNServer) {}

func (a *Agent) drainRelay(r *relayAlloc) {}
