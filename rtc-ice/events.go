package ice

import (
	"net/netip"
	"strconv"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ConnectionState is the W3C RTCIceTransportState / RTCIceConnectionState.
type ConnectionState uint8

// Connection states (W3C webrtc-pc §5.6 RTCIceTransportState).
const (
	StateNew          ConnectionState = iota // nothing checked yet
	StateChecking                            // checks in progress, no usable pair yet
	StateConnected                           // a usable (valid) pair is selected
	StateCompleted                           // nominated, no more checks, remote end-of-candidates seen
	StateDisconnected                        // consent checks on the selected pair go unanswered
	StateFailed                              // every pair failed, or consent was lost
	StateClosed                              // Close was called
)

// String returns the W3C name of the state.
func (s ConnectionState) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateChecking:
		return "checking"
	case StateConnected:
		return "connected"
	case StateCompleted:
		return "completed"
	case StateDisconnected:
		return "disconnected"
	case StateFailed:
		return "failed"
	case StateClosed:
		return "closed"
	}
	return "ConnectionState(" + strconv.Itoa(int(s)) + ")"
}

// GatheringState is the W3C RTCIceGatheringState.
type GatheringState uint8

// Gathering states.
const (
	GatheringNew       GatheringState = iota // no local address added yet
	GatheringGathering                       // gathering srflx/relay candidates
	GatheringComplete                        // EndOfLocalAddresses called and every server answered or timed out
)

// String returns the W3C name of the state.
func (s GatheringState) String() string {
	switch s {
	case GatheringNew:
		return "new"
	case GatheringGathering:
		return "gathering"
	case GatheringComplete:
		return "complete"
	}
	return "GatheringState(" + strconv.Itoa(int(s)) + ")"
}

// EventKind says which Event fields are set.
type EventKind uint8

// Event kinds.
const (
	// EventLocalCandidate: Candidate is a new local candidate to signal
	// (Candidate.String() is the trickle form).
	EventLocalCandidate EventKind = iota + 1
	// EventGatheringState: GatheringState changed. When it becomes
	// GatheringComplete, signal end-of-candidates (RFC 8838 §8.2).
	EventGatheringState
	// EventConnectionState: ConnectionState changed.
	EventConnectionState
	// EventSelectedPairChanged: Pair is the pair data now goes out on.
	EventSelectedPairChanged
	// EventResolveHostname: Hostname is a remote mDNS (".local") or FQDN
	// candidate address; resolve it and call ResolveHostname.
	EventResolveHostname
	// EventRoleChanged: Role is the new role after a role conflict (RFC 8445 §7.3.1.1).
	EventRoleChanged
	// EventTCPConnect: open a TCP connection from Pair.Local's address (any
	// local port) to Pair.Remote.Address, then call TCPConnected or
	// TCPConnectFailed (RFC 6544 active candidate).
	EventTCPConnect
	// EventCandidateRefused: Candidate is the first remote candidate refused
	// because MaxCandidates (or, for peer-reflexive candidates learned from
	// checks, MaxPeerReflexive) was reached. It comes once per ICE session;
	// Stats.CandidatesRefused counts every refusal. A PeerConnection surfaces
	// it (W3C icecandidateerror) so a cut is never silent.
	EventCandidateRefused
	// EventPairNominated: Pair, the selected pair, just nominated (the
	// controlling agent's USE-CANDIDATE succeeded, or the controlled agent
	// received it) after it was already selected as the best valid pair.
	// A selection of an already nominated pair comes as
	// EventSelectedPairChanged with Pair.Nominated set instead. The
	// nomination says the pair works for the peer too: a DTLS client
	// whose first flight went out before it retransmits at once.
	EventPairNominated
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventLocalCandidate:
		return "local-candidate"
	case EventGatheringState:
		return "gathering-state"
	case EventConnectionState:
		return "connection-state"
	case EventSelectedPairChanged:
		return "selected-pair-changed"
	case EventResolveHostname:
		return "resolve-hostname"
	case EventRoleChanged:
		return "role-changed"
	case EventTCPConnect:
		return "tcp-connect"
	case EventCandidateRefused:
		return "candidate-refused"
	case EventPairNominated:
		return "pair-nominated"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one notification from PollEvent. Kind says which fields are set.
type Event struct {
	Kind            EventKind
	Candidate       Candidate
	GatheringState  GatheringState
	ConnectionState ConnectionState
	Pair            PairInfo
	Hostname        string
	Role            Role
}

// PairInfo describes a candidate pair to the caller.
type PairInfo struct {
	Local, Remote Candidate
	// Transport is the path datagrams of this pair take from the caller's
	// socket: Local is the caller's address (the TURN client's address for
	// a relayed pair), Peer the remote candidate (the TURN server for a
	// relayed pair). It is informational: send application data with
	// HandleWrite, which wraps it for TURN and frames it for TCP.
	Transport shared.TransportContext
	Priority  uint64
	Nominated bool
	// RTT is the round-trip time of the last check on the pair that was
	// answered without a retransmission (Karn's algorithm); zero when
	// there is none yet (the pair was selected by the peer's check).
	RTT time.Duration
}

// CommandKind says which Command fields are used.
type CommandKind uint8

// Command kinds, each the same as the Agent method of the same name.
const (
	CmdAddLocalAddress CommandKind = iota + 1 // Address, Protocol
	CmdEndOfLocalAddresses
	CmdAddRemoteCandidate // Candidate
	CmdEndOfRemoteCandidates
	CmdSetRemoteCredentials // Ufrag, Password
	CmdResolveHostname      // Hostname, Address (invalid = failed)
	CmdRestart
)

// Command is the input of HandleEvent: the control operations as values,
// for callers that prefer one entry point over the methods.
type Command struct {
	Kind      CommandKind
	Address   netip.AddrPort
	Protocol  shared.TransportProtocol
	Candidate Candidate
	Ufrag     string
	Password  string
	Hostname  string
}

// Stats counts what the agent saw. Read with Agent.Stats.
type Stats struct {
	RequestsReceived  uint64 // Binding requests, authenticated
	ResponsesReceived uint64 // Binding responses matched to a check
	ChecksSent        uint64 // first transmissions
	Retransmissions   uint64
	DataReceived      uint64 // non-STUN datagrams passed up
	DataSent          uint64
	Dropped           uint64 // malformed, unauthenticated or unroutable input
	RoleConflicts     uint64
	Ignored           uint64 // remote candidates and datagrams ignored by policy (TCP active, PeerPrefixes)
	Keepalives        uint64 // Binding indications sent (ICE lite)
	// CandidatesRefused counts remote candidates refused by MaxCandidates or
	// MaxPeerReflexive, and pairs refused by MaxPairs.
	CandidatesRefused uint64
	// RetryRounds counts new rounds of checks on failed pairs (every pair
	// had failed, none was selected, and the PAC timer left room).
	RetryRounds uint64
}
