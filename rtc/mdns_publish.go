package rtc

import (
	"fmt"
	"net/netip"

	ice "github.com/sansrtc/rtc/rtc-ice"
	"github.com/sansrtc/rtc/rtc-ice/mdns"
)

// This file conceals our host candidates behind mDNS names
// (Configuration.MDNSHostCandidates, draft-ietf-mmusic-mdns-ice-candidates
// §3.1): the candidates we signal carry "<uuid>.local" instead of the IP
// address, and the caller's mDNS responder answers for the names.

// maxHostnames bounds the names one PeerConnection publishes (one per
// local IP address; rtc-ice/mdns's Responder allows 32 by default). A host
// candidate on an address past it is not signalled at all (never with its
// IP): it is reported with EventICECandidateError and ErrLimit.
const maxHostnames = 32

// PublishedHostname is one mDNS name the PeerConnection gave a local
// address (Configuration.MDNSHostCandidates): the caller's mDNS responder
// answers queries for Hostname with Addr (rtc-ice/mdns Responder.PublishName),
// from the EventPublishHostname that announced it until Close.
type PublishedHostname struct {
	Hostname string     // "<uuid>.local"
	Addr     netip.Addr // the local address it stands for
}

// hostnames is the transport's name for each local address, drawn once
// per address and PeerConnection (draft-ietf-mmusic-mdns-ice-candidates
// §3.1.1: "generate a unique mDNS hostname" per IP address, kept for the
// PeerConnection's life, ICE restarts included).
type hostnames struct {
	on    bool
	names []PublishedHostname
}

// PublishedHostnames returns the mDNS names given to local addresses so
// far, in the order they were announced (EventPublishHostname). It is
// empty unless Configuration.MDNSHostCandidates is set.
func (pc *PeerConnection) PublishedHostnames() []PublishedHostname {
	return append([]PublishedHostname(nil), pc.tr.hostnames.names...)
}

// conceal returns the candidate as we signal it. With
// MDNSHostCandidates on, a host candidate carries its address's mDNS name
// instead of the IP (a new name is announced first with
// EventPublishHostname, so the caller's responder knows it before the peer
// can ask), and a server-reflexive or relayed candidate hides its related
// address as 0.0.0.0 (or ::) port 0, as Chromium does, since that is the
// host address (draft-ietf-mmusic-mdns-ice-candidates §3.1.2: the IP
// address must not be exposed). The agent keeps the real candidate: checks
// and peer-reflexive matching use the addresses, never the names. ok is
// false when the candidate must not be signalled (no name could be drawn).
func (t *transport) conceal(c ice.Candidate, out *sink) (ice.Candidate, bool) {
	if !t.hostnames.on {
		return c, true
	}
	if c.Type != ice.CandidateHost {
		c.Related = netip.AddrPort{}
		return c, true
	}
	name, err := t.hostnameFor(c.Address.Addr(), out)
	if err != nil {
		out.emit(Event{Kind: EventICECandidateError, Err: err})
		return c, false
	}
	c.Hostname = name
	return c, true
}

// hostnameFor returns addr's name, drawing and announcing it the first
// time.
func (t *transport) hostnameFor(addr netip.Addr, out *sink) (string, error) {
	addr = addr.Unmap()
	for _, h := range t.hostnames.names {
		if h.Addr == addr {
			return h.Hostname, nil
		}
	}
	if len(t.hostnames.names) >= maxHostnames {
		return "", fmt.Errorf("%w: more than %d local addresses to publish as mDNS names; %s not signalled", ErrLimit, maxHostnames, addr)
	}
	name, err := mdns.NewName(t.rand)
	if err != nil {
		return "", fmt.Errorf("rtc: drawing an mDNS name: %w", err)
	}
	h := PublishedHostname{Hostname: name, Addr: addr}
	t.hostnames.names = append(t.hostnames.names, h)
	out.emit(Event{Kind: EventPublishHostname, Hostname: name, Addr: addr})
	return name, nil
}
