package dtls

import (
	"bytes"
	"errors"
	"io"
)

// Connection IDs for DTLS 1.2 (RFC 9146).
//
// The connection_id extension carries, in each direction, the CID its
// sender wants to find in the records it receives (RFC 9146 §3). Once both
// hellos carried it, every record protected under epoch 1 that goes to a
// peer that asked for a non-empty CID is a tls12_cid record: the CID in
// the header, the real content type inside the encrypted
// DTLSInnerPlaintext, and the additional data of §5 (cipher.go). Records of
// epoch 0 never carry one.
//
// Peer address update (RFC 9146 §6): an authenticated tls12_cid record
// that is newer than every record received before it, arriving from an
// address other than the peer's, moves the peer to that address
// (EventPeerAddressChanged). Nothing unauthenticated moves it: a forged
// record fails decryption, and a replayed or older one (an on-path
// attacker replaying a captured record from a spoofed source) is not newer
// than the newest, so it is dropped or at least cannot move the address.

// cidState is what a Conn knows about connection IDs.
type cidState struct {
	offered bool   // we sent (client) or answered (server) the extension
	on      bool   // both hellos carried it
	ours    []byte // what the peer puts in records to us (may be empty)
	peer    []byte // what we put in records to the peer (may be empty)
	inner   []byte // scratch for the DTLSInnerPlaintext we seal
}

var (
	errCIDUnexpected = errors.New("tls12_cid record without a negotiated connection ID")
	errCIDMismatch   = errors.New("tls12_cid record with a connection ID that is not ours")
	errCIDEpoch0     = errors.New("tls12_cid record in epoch 0")
	errCIDInner      = errors.New("tls12_cid record with a malformed DTLSInnerPlaintext")
	errCIDMissing    = errors.New("protected record without the negotiated connection ID")
)

// wantsCID reports whether this endpoint uses the extension at all.
func (c *Conn) wantsCID() bool {
	return c.cfg.ConnectionIDLength > 0 || c.cfg.ConnectionIDSendOnly
}

// ourCID draws our CID once (ConnectionIDLength bytes from Config.Rand);
// empty for send-only.
func (c *Conn) ourCID() ([]byte, error) {
	if c.cid.ours != nil || c.cfg.ConnectionIDLength == 0 {
		if c.cid.ours == nil {
			c.cid.ours = []byte{}
		}
		return c.cid.ours, nil
	}
	id := make([]byte, c.cfg.ConnectionIDLength)
	if _, err := io.ReadFull(c.cfg.rand(), id); err != nil {
		return nil, err
	}
	c.cid.ours = id
	return id, nil
}

// receivesCID reports whether records to us carry a CID (the length the
// record parser needs). A client knows it from its offer, before the
// ServerHello confirms it, so an early tls12_cid record can be delimited
// and buffered; it is accepted only once negotiated.
func (c *Conn) receivesCID() int {
	if !c.cid.offered {
		return 0
	}
	return len(c.cid.ours)
}

// sendsCID reports whether records to the peer carry its CID.
func (c *Conn) sendsCID() bool { return c.cid.on && len(c.cid.peer) > 0 }

// openCID checks a tls12_cid record's header before decryption (RFC 9146
// §4, §6).
func (c *Conn) checkCID(h *RecordHeader) error {
	if len(c.cid.ours) == 0 || !c.cid.offered {
		return errCIDUnexpected
	}
	if h.Epoch == 0 {
		return errCIDEpoch0
	}
	if !bytes.Equal(h.CID, c.cid.ours) {
		return errCIDMismatch
	}
	return nil
}

// splitInner takes the DTLSInnerPlaintext apart (RFC 9146 §4: content,
// real_type, zeros): the last non-zero byte is the real type. A record
// with no non-zero byte, or whose real type is tls12_cid again, is
// malformed.
func splitInner(inner []byte) (ContentType, []byte, error) {
	i := len(inner) - 1
	for i >= 0 && inner[i] == 0 {
		i--
	}
	if i < 0 || ContentType(inner[i]) == ContentTLS12CID {
		return 0, nil, errCIDInner
	}
	return ContentType(inner[i]), inner[:i], nil
}

// followPeer moves the peer to where the record being processed came from,
// if that is elsewhere (RFC 9146 §6). The caller has authenticated the
// record and checked that it is the newest.
//
// Only an established connection moves: during the handshake the path is
// the one the handshake runs on (and a record buffered before its keys
// existed is processed later, while another datagram is being read).
func (c *Conn) followPeer() {
	if c.state != stateEstablished || !c.inTr.Peer.IsValid() || c.inTr.Peer == c.tr.Peer {
		return
	}
	c.tr = c.inTr
	c.stats.PeerMoves++
	c.pushEvent(Event{Kind: EventPeerAddressChanged, Transport: c.inTr})
}

// receivesCIDNow reports whether a CID for records to us is negotiated, in
// either version.
func (c *Conn) receivesCIDNow() bool {
	if c.v13 != nil {
		on, ours, _ := c.v13.ConnectionIDs()
		return on && len(ours) > 0
	}
	return c.cid.on && len(c.cid.ours) > 0
}
