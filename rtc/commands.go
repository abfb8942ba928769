package rtc

import (
	"errors"
	"fmt"
	"net/netip"

	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// AddLocalAddress tells the PeerConnection about a local UDP address the
// caller owns a socket on: a host candidate (RFC 8445 §5.1.1.1). Datagrams
// for it come out of PollWrite with Transport.Local set to it.
func (pc *PeerConnection) AddLocalAddress(addr netip.AddrPort) error {
	if pc.closed {
		return ErrClosed
	}
	err := pc.tr.agent().AddLocalAddress(addr, shared.UDP)
	if err != nil && !errors.Is(err, ice.ErrDuplicateCandidate) {
		return layerErr("ice", err)
	}
	pc.step()
	return nil
}

// AddICECandidate adds a remote trickled candidate (W3C addIceCandidate);
// an empty Candidate is end-of-candidates. Candidates for a rejected or
// unknown m-section are refused; candidates for any bundled mid feed the
// one transport.
func (pc *PeerConnection) AddICECandidate(c ICECandidateInit) error {
	if pc.closed {
		return ErrClosed
	}
	if pc.neg.currentRemote == nil && pc.neg.pendingRemote == nil {
		return fmt.Errorf("%w: AddICECandidate before a remote description", ErrInvalidState)
	}
	if c.SDPMid != "" {
		if s := pc.neg.sectionByMid(c.SDPMid); s == nil || s.rejected {
			return fmt.Errorf("%w: candidate for unknown mid %q", ErrUnsupported, c.SDPMid)
		}
	}
	if c.UsernameFragment != "" && pc.tr.remoteUfrag != "" && c.UsernameFragment != pc.tr.remoteUfrag {
		return nil // an earlier ICE generation (W3C addIceCandidate step 4.4)
	}
	err := pc.tr.addRemoteCandidate(c.Candidate, pc.cfg.maxRemoteCandidates())
	if errors.Is(err, ErrLimit) {
		return fmt.Errorf("%w: %d remote candidates", ErrLimit, pc.tr.remoteCands)
	}
	pc.step()
	return err
}

// ResolveHostname answers EventResolveHostname: addr is the address of a
// remote mDNS (".local") or FQDN candidate, or the zero Addr when
// resolution failed (the candidate is dropped). Protocol code does no name
// resolution: the caller queries (rtc-ice/mdns's Querier for .local
// names). Unanswered candidates are simply not paired; the peer's checks
// still create peer-reflexive ones.
func (pc *PeerConnection) ResolveHostname(name string, addr netip.Addr) error {
	if pc.closed {
		return ErrClosed
	}
	err := layerErr("ice", pc.tr.agent().ResolveHostname(name, addr))
	pc.step()
	return err
}

// UnresolvedHostnames returns the remote candidate hostnames (mDNS
// ".local" names) the agent holds until ResolveHostname is called.
func (pc *PeerConnection) UnresolvedHostnames() []string {
	return append([]string(nil), pc.tr.unresolved...)
}

// RestartICE asks for an ICE restart at the next offer (W3C restartIce).
func (pc *PeerConnection) RestartICE() error {
	if pc.closed {
		return ErrClosed
	}
	if err := pc.tr.restart(); err != nil {
		return err
	}
	pc.neg.need(&pc.out)
	pc.step()
	return nil
}

// EndOfLocalAddresses says every host address has been added. The first
// SetLocalDescription implies it (gathering starts there, RFC 8829 §5.4, and
// completes once the STUN/TURN servers, if any, answered); addresses added
// later are still used and trickled as candidates.
func (pc *PeerConnection) EndOfLocalAddresses() {
	if pc.tr.started {
		pc.tr.agent().EndOfLocalAddresses()
		pc.step()
	}
}

// CommandKind selects what a Command does.
type CommandKind uint8

// Commands for HandleEvent.
const (
	CmdAddICECandidate     CommandKind = iota + 1 // Candidate
	CmdAddLocalAddress                            // Address
	CmdEndOfLocalAddresses                        //
	CmdRestartICE                                 //
	CmdCloseChannel                               // Channel
	CmdResolveHostname                            // Hostname, Addrs (the first valid one; none = failed)
	CmdResolveICEServer                           // Hostname, Addrs (none = failed)
	CmdAddLocalTCPAddress                         // Address
	CmdTCPConnected                               // Transport (Local, Peer)
	CmdTCPConnectFailed                           // Transport.Peer
	CmdTCPClosed                                  // Transport.Peer
)

// Command is the input of HandleEvent.
type Command struct {
	Kind      CommandKind
	Candidate ICECandidateInit
	Address   netip.AddrPort
	Channel   *DataChannel
	// Hostname and Addrs: CmdResolveHostname, CmdResolveICEServer.
	Hostname string
	Addrs    []netip.Addr
	// Transport: CmdTCPConnected, CmdTCPConnectFailed, CmdTCPClosed.
	Transport shared.TransportContext
}

// HandleEvent applies a Command (the same as calling the method it names).
func (pc *PeerConnection) HandleEvent(c Command) error {
	if pc.closed {
		return ErrClosed
	}
	var err error
	switch c.Kind {
	case CmdAddICECandidate:
		err = pc.AddICECandidate(c.Candidate)
	case CmdAddLocalAddress:
		err = pc.AddLocalAddress(c.Address)
	case CmdEndOfLocalAddresses:
		pc.EndOfLocalAddresses()
	case CmdRestartICE:
		err = pc.RestartICE()
	case CmdResolveHostname:
		var addr netip.Addr
		for _, a := range c.Addrs {
			if a.IsValid() {
				addr = a
				break
			}
		}
		err = pc.ResolveHostname(c.Hostname, addr)
	case CmdResolveICEServer:
		err = pc.ResolveICEServer(c.Hostname, c.Addrs)
	case CmdAddLocalTCPAddress:
		err = pc.AddLocalTCPAddress(c.Address)
	case CmdTCPConnected:
		err = pc.TCPConnected(c.Transport.Local, c.Transport.Peer)
	case CmdTCPConnectFailed:
		pc.TCPConnectFailed(c.Transport.Peer)
	case CmdTCPClosed:
		pc.TCPClosed(c.Transport.Peer)
	case CmdCloseChannel:
		err = ErrUnknownChannel
		if c.Channel != nil {
			err = c.Channel.Close()
		}
	default:
		err = fmt.Errorf("rtc: unknown command %d", c.Kind)
	}
	return pc.out.report(err)
}
