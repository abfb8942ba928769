package turn

import (
	"net/netip"
	"strconv"
	"time"
)

// Datagram is application data to or from a peer through the relay.
type Datagram struct {
	Peer netip.AddrPort
	Data []byte
}

// EventKind says which Event fields are set.
type EventKind uint8

// Event kinds.
const (
	// EventAllocated: Relayed, Mapped and Lifetime are set.
	EventAllocated EventKind = iota + 1
	// EventAllocateFailed: Err says why (an *Error, ErrTimeout, ...).
	EventAllocateFailed
	// EventRefreshed: Lifetime is the new lifetime.
	EventRefreshed
	// EventAllocationLost: a refresh failed or timed out; Err says why.
	EventAllocationLost
	// EventPermissionCreated: Peer (port 0) has a permission.
	EventPermissionCreated
	// EventPermissionFailed: Peer (port 0), Err.
	EventPermissionFailed
	// EventChannelBound: Peer is bound to Channel.
	EventChannelBound
	// EventChannelFailed: Peer, Channel, Err.
	EventChannelFailed
	// EventDeallocated: Close released the allocation; the Refresh with
	// LIFETIME 0 comes out of PollWrite. It is the last event: its outcome
	// is Client.Deallocated.
	EventDeallocated
)

// String names the kind.
func (k EventKind) String() string {
	names := [...]string{"", "allocated", "allocate-failed", "refreshed", "allocation-lost",
		"permission-created", "permission-failed", "channel-bound", "channel-failed", "deallocated"}
	if int(k) < len(names) && k > 0 {
		return names[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one notification from PollEvent.
type Event struct {
	Kind     EventKind
	Relayed  netip.AddrPort
	Mapped   netip.AddrPort
	Lifetime time.Duration
	Peer     netip.AddrPort
	Channel  uint16
	Err      error
}

// CommandKind says what a Command asks.
type CommandKind uint8

// Command kinds, each the same as the Client method of the same name.
const (
	CmdAllocate         CommandKind = iota + 1
	CmdCreatePermission             // Peer
	CmdBindChannel                  // Peer
)

// Command is the input of HandleEvent.
type Command struct {
	Kind CommandKind
	Peer netip.AddrPort
}

// Stats counts what the client saw.
type Stats struct {
	Requests       uint64 // requests started (auth retries included)
	DataSent       uint64 // Send indications and ChannelData sent
	DataReceived   uint64 // Data indications and ChannelData received
	ChannelDataIn  uint64
	ChannelDataOut uint64
	Dropped        uint64 // malformed, unknown or unauthenticated input
	Keepalives     uint64 // Binding indications sent to keep NAT bindings open
}
