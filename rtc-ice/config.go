package ice

import (
	"crypto/rand"
	"errors"
	"io"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Role is the ICE role (RFC 8445 §6.1.1).
type Role uint8

// Roles.
const (
	RoleControlled  Role = iota // accepts the peer's nominations
	RoleControlling             // nominates the pair to use
)

// String returns "controlled" or "controlling".
func (r Role) String() string {
	if r == RoleControlling {
		return "controlling"
	}
	return "controlled"
}

// TURNServer is one TURN server to allocate a relayed candidate on (RFC 8656)
// with long-term credentials.
type TURNServer struct {
	Address  netip.AddrPort           // the server's transport address
	Protocol shared.TransportProtocol // UDP, or TCP (the caller owns the connection)
	Username string
	Password string
}

// Config configures an Agent. The zero value is a controlled, full agent with
// every default below. A non-zero value outside a field's documented range
// (every duration and limit here must be positive) makes NewAgent fail with
// an error wrapping shared.ErrInvalidConfig (the rtc-shared config rule; see
// Validate).
type Config struct {
	// Now is the time the agent is created at: its clock starts there, so
	// work it gets before the first HandleRead or HandleTimeout (checks
	// after SetRemoteCredentials, gathering after AddLocalAddress) starts
	// at once and PollTimeout reports real deadlines. If zero, that work
	// waits for the first HandleTimeout (see PollTimeout); a
	// PeerConnection always gives it.
	Now time.Time
	// Rand supplies credentials, tie-breakers, transaction IDs and consent
	// jitter. If nil, crypto/rand.Reader is used. Seed it in tests.
	Rand io.Reader
	// Role is the initial role. Offerers are usually controlling
	// (RFC 8445 §6.1.1); role conflicts are repaired at run time.
	Role Role
	// Lite makes this an ICE-lite agent (RFC 8445 §2.5): host candidates
	// only, no checks sent, always controlled against a full peer.
	Lite bool
	// LocalUfrag and LocalPassword fix the local credentials. If empty, an
	// 8-character ufrag and a 24-character password are drawn from Rand
	// (RFC 8839 §5.4 requires at least 4 and 22 characters).
	LocalUfrag, LocalPassword string
	// STUNServers are servers to learn server-reflexive candidates from
	// (RFC 8445 §5.1.1.2). If empty, no srflx candidates are gathered.
	STUNServers []netip.AddrPort
	// TURNServers are servers to allocate relayed candidates on. If empty,
	// no relay candidates are gathered.
	TURNServers []TURNServer
	// AwaitServers is how many STUN or TURN server names the caller is
	// still resolving (DNS names in ICE server URLs): gathering is not
	// complete until AddServers was called that many times (each call,
	// with the addresses found or none when resolution failed, counts
	// one). The agent itself never resolves a name. If zero, none.
	AwaitServers int
	// RelayOnly is the W3C iceTransportPolicy "relay": only relayed local
	// candidates are signalled and paired. If false, all types are used.
	RelayOnly bool
	// PeerPrefixes, if not empty, restricts the remote side to these
	// prefixes: remote candidates outside them are ignored, and datagrams
	// from outside them (other than from the configured STUN and TURN
	// servers) are dropped unanswered. Loopback-only tests use
	// 127.0.0.0/8 and ::1/128, since a browser also checks from its
	// non-loopback sockets. If empty, every address is allowed.
	PeerPrefixes []netip.Prefix
	// Ta is the pacing interval between new checks (RFC 8445 §14.2). If
	// zero, 50 ms is used.
	Ta time.Duration
	// CheckRTO is the first retransmission timeout of a check (RFC 8445
	// §14.3). If zero, 500 ms is used (RFC 8445 §14.3 recommends at least
	// 500 ms); it doubles on each retransmission up to MaxCheckRTO.
	CheckRTO time.Duration
	// MaxCheckRTO caps the retransmission timeout. If zero, 1.6 s is used.
	MaxCheckRTO time.Duration
	// MaxCheckTransmissions is how many times a check is sent before the pair
	// fails. If zero, 7 is used (RFC 8489 Rc), so a pair fails about 9.5 s
	// after its first check with the default timers.
	MaxCheckTransmissions int
	// NominationDelay is how long a controlling agent waits after its first
	// valid pair for better pairs before nominating the best valid pair. It
	// nominates at once when no higher-priority pair is still pending. If
	// zero, 200 ms is used. The nomination is final (RFC 8445 §8.1.1): a
	// better pair that succeeds later is not nominated.
	NominationDelay time.Duration
	// ConsentInterval is the basic interval of consent checks on the
	// selected pair; each is randomised to 0.8-1.14 times it, inside RFC
	// 7675 §5.1's 0.8-1.2 with room for a driver's 5% timer slack (4-5.7 s).
	// If zero, 5 s is used.
	ConsentInterval time.Duration
	// ConsentTimeout is how long without a consent response before consent
	// is lost and the agent fails (RFC 7675 §5.1). If zero, 30 s is used.
	ConsentTimeout time.Duration
	// DisconnectedTimeout is how long a consent check may go unanswered
	// before the state becomes disconnected. If zero, 3 s is used.
	DisconnectedTimeout time.Duration
	// MaxCandidates limits remote candidates, and separately local ones.
	// If zero, 64 is used.
	MaxCandidates int
	// MaxPeerReflexive limits the remote peer-reflexive candidates learned
	// from checks (RFC 8445 §7.3.1.3). They have their own budget, so
	// checks from many new addresses never use up MaxCandidates, and a
	// signalled candidate may evict a pair of theirs that is not valid when
	// the checklist is full. A check from a new address over the limit is
	// not answered. If zero, 16 is used.
	MaxPeerReflexive int
	// FailedTimeout is the PAC timer of RFC 8863 §4: the agent does not
	// fail before it has run this long since checks could start (the remote
	// credentials were set), even with no pair left to check, because the
	// peer's checks can still make a peer-reflexive pair (RFC 8445
	// §7.3.1.3). After end-of-candidates it fails once every pair failed
	// and the timer ran out. Without end-of-candidates it fails when no
	// pair is usable or left to check and nothing has happened (no new
	// pair, no check from the peer) for this long, so a peer that never
	// ends its candidates cannot hold it in checking forever (RFC 8445
	// §8.1). If zero, 39.5 s is used (RFC 8863 §4: the transaction timeout
	// with the default RTO and Rc).
	FailedTimeout time.Duration
	// MaxPairs limits the checklist (RFC 8445 §6.1.2.5). If zero, 100 is used.
	MaxPairs int
	// MaxQueue bounds the outbox, the event queue and the read queue, each.
	// If zero, 256 is used.
	MaxQueue int
	// Software is sent in the SOFTWARE attribute of requests. If empty, none.
	Software string
}

func (c *Config) rand() io.Reader {
	if c.Rand == nil {
		return rand.Reader
	}
	return c.Rand
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range.
// NewAgent calls it; the error names every field out of range and wraps
// shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "ice"
	return errors.Join(
		shared.CheckMin(l, "AwaitServers", c.AwaitServers, 0),
		shared.CheckMin(l, "Ta", c.Ta, 1),
		shared.CheckMin(l, "CheckRTO", c.CheckRTO, 1),
		shared.CheckMin(l, "MaxCheckRTO", c.MaxCheckRTO, 1),
		shared.CheckMin(l, "MaxCheckTransmissions", c.MaxCheckTransmissions, 1),
		shared.CheckMin(l, "NominationDelay", c.NominationDelay, 1),
		shared.CheckMin(l, "ConsentInterval", c.ConsentInterval, 1),
		shared.CheckMin(l, "ConsentTimeout", c.ConsentTimeout, 1),
		shared.CheckMin(l, "DisconnectedTimeout", c.DisconnectedTimeout, 1),
		shared.CheckMin(l, "MaxCandidates", c.MaxCandidates, 1),
		shared.CheckMin(l, "MaxPeerReflexive", c.MaxPeerReflexive, 1),
		shared.CheckMin(l, "FailedTimeout", c.FailedTimeout, 1),
		shared.CheckMin(l, "MaxPairs", c.MaxPairs, 1),
		shared.CheckMin(l, "MaxQueue", c.MaxQueue, 1),
	)
}

func durOr(d, def time.Duration) time.Duration { return shared.OrDefault(d, def) }
func intOr(v, def int) int                     { return shared.OrDefault(v, def) }

func (c *Config) ta() time.Duration          { return durOr(c.Ta, 50*time.Millisecond) }
func (c *Config) checkRTO() time.Duration    { return durOr(c.CheckRTO, 500*time.Millisecond) }
func (c *Config) maxCheckRTO() time.Duration { return durOr(c.MaxCheckRTO, 1600*time.Millisecond) }
func (c *Config) maxTransmissions() int      { return intOr(c.MaxCheckTransmissions, 7) }
func (c *Config) nominationDelay() time.Duration {
	return durOr(c.NominationDelay, 200*time.Millisecond)
}
func (c *Config) consentInterval() time.Duration { return durOr(c.ConsentInterval, 5*time.Second) }
func (c *Config) consentTimeout() time.Duration  { return durOr(c.ConsentTimeout, 30*time.Second) }
func (c *Config) disconnectedTimeout() time.Duration {
	return durOr(c.DisconnectedTimeout, 3*time.Second)
}
func (c *Config) maxCandidates() int { return intOr(c.MaxCandidates, 64) }
func (c *Config) maxPairs() int      { return intOr(c.MaxPairs, 100) }
func (c *Config) maxPeerReflexive() int {
	return intOr(c.MaxPeerReflexive, 16)
}
func (c *Config) failedTimeout() time.Duration { return durOr(c.FailedTimeout, 39500*time.Millisecond) }
func (c *Config) maxQueue() int                { return intOr(c.MaxQueue, 256) }

// peerAllowed applies PeerPrefixes.
func (c *Config) peerAllowed(a netip.Addr) bool {
	if len(c.PeerPrefixes) == 0 {
		return true
	}
	a = a.Unmap()
	for _, p := range c.PeerPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
