package mdns

import (
	"errors"
	"fmt"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var (
	// ErrClosed is returned by HandleEvent, HandleWrite and the command
	// methods after Close.
	ErrClosed = fmt.Errorf("mdns: closed: %w", shared.ErrClosed)
	// ErrTooManyNames is returned when a command would exceed
	// Config.MaxNames (outstanding queries for a Querier, published names
	// for a Responder). Nothing was queued.
	ErrTooManyNames = fmt.Errorf("mdns: too many names: %w", shared.ErrQueueFull)
	// ErrBadName is returned by Resolve for a name that is not of the
	// draft-ietf-mmusic-mdns-ice-candidates form "<UUID>.local".
	ErrBadName = errors.New("mdns: not a <uuid>.local name")
	// ErrBadAddress is returned by Publish for an address that cannot be
	// published (invalid, unspecified or multicast).
	ErrBadAddress = errors.New("mdns: address cannot be published")
	// ErrNameInUse is returned by PublishName for a name this Responder
	// already publishes for another address.
	ErrNameInUse = errors.New("mdns: name already published for another address")
	// ErrUnknownName is returned by Unpublish for a name this Responder
	// does not publish.
	ErrUnknownName = errors.New("mdns: name not published here")
	// ErrNoData is returned by HandleWrite: mDNS carries no application
	// data.
	ErrNoData = errors.New("mdns: HandleWrite is not used (mDNS carries no application data)")
	// ErrBadCommand is returned by HandleEvent for a Command whose Kind
	// the machine does not handle.
	ErrBadCommand = errors.New("mdns: unknown command")
	// ErrBadMessage wraps every parse failure of a received datagram (a
	// *shared.ParseError with Layer "mdns" carries the offset).
	ErrBadMessage = errors.New("mdns: malformed message")
	// ErrOffLink is returned by HandleRead for a datagram whose source is
	// not on the local link (RFC 6762 §11) or whose source port is not
	// 5353 for a response (RFC 6762 §6). It was dropped and counted.
	ErrOffLink = errors.New("mdns: datagram not from an on-link mDNS source")
	// ErrNameTooLong is returned when building a name longer than 255
	// octets or with a label longer than 63 octets or empty (RFC 1035
	// §2.3.4).
	ErrNameTooLong = errors.New("mdns: name or label too long or empty")
)

func parseError(typ string, off int, err error) error {
	return &shared.ParseError{Layer: "mdns", Type: typ, Offset: off, Err: errors.Join(ErrBadMessage, err)}
}
