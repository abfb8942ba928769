package mdns

import (
	"net/netip"
	"strconv"
)

// EventKind says which Event fields are set.
type EventKind uint8

// Event kinds.
const (
	// EventResolved (Querier): Name (as asked) resolved to Addr. Hand it
	// to the ICE agent: agent.ResolveHostname(ev.Name, ev.Addr).
	EventResolved EventKind = iota + 1
	// EventFailed (Querier): no answer for Name within Config.Timeout.
	// Tell the ICE agent: agent.ResolveHostname(ev.Name, netip.Addr{}).
	EventFailed
	// EventPublished (Responder): Name now stands for Addr; signal the
	// candidate with Name in place of the address.
	EventPublished
	// EventConflict (Responder): another host answered for our Name with
	// Addr (RFC 6762 §9). With random UUID names this means a spoofer on
	// the link, or a broken peer; the record is kept.
	EventConflict
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventResolved:
		return "resolved"
	case EventFailed:
		return "failed"
	case EventPublished:
		return "published"
	case EventConflict:
		return "conflict"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is what PollEvent returns.
type Event struct {
	Kind EventKind
	Name string
	Addr netip.Addr // EventResolved, EventPublished, EventConflict
}

// CommandKind says which Command fields are used.
type CommandKind uint8

// Command kinds, each the same as the method of the same name.
const (
	CmdResolve   CommandKind = iota + 1 // Querier: Name
	CmdPublish                          // Responder: Addr
	CmdUnpublish                        // Responder: Name
)

// Command is the input of HandleEvent: the methods as values.
type Command struct {
	Kind CommandKind
	Name string
	Addr netip.Addr
}
