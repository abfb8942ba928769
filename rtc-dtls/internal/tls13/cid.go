package tls13

import (
	"bytes"
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Connection IDs in DTLS 1.3 (RFC 9147 §9).
//
// The client offers connection_id in its ClientHello (the CID it wants in
// records to it; empty: send-only) and the server answers in
// EncryptedExtensions with its own. The records then carry the receiver's
// CID in the unified header (the C bit, RFC 9147 §4); the header, CID
// included, is the AEAD additional data, and sequence number encryption is
// unchanged (§4.2.3: the mask comes from the ciphertext). A client that
// offered a CID reads records with or without one; a server sends the
// client's CID from its first protected record (EncryptedExtensions), the
// client the server's once EncryptedExtensions named it.
//
// After the handshake the peer may hand us more CIDs (NewConnectionId,
// §9): we keep at most maxSpareCIDs, switch to the first new one when its
// usage is cid_immediate, and ignore RequestConnectionId (we issue no
// further CIDs of our own: §9 says an endpoint "SHOULD respond", and one
// CID per direction is all this implementation uses).

// Handshake types of RFC 9147 §9 (IANA TLS HandshakeType).
const (
	TypeRequestConnectionID HandshakeType = 9
	TypeNewConnectionID     HandshakeType = 10
)

// ConnectionIDUsage says what the peer may do with new CIDs (RFC 9147 §9).
type ConnectionIDUsage uint8

// Usages.
const (
	CIDImmediate ConnectionIDUsage = 0
	CIDSpare     ConnectionIDUsage = 1
)

// maxSpareCIDs caps the CIDs a peer's NewConnectionId messages leave with
// us (RFC 9147 §9 lets the receiver bound them); beyond it new ones are
// dropped and counted (Stats.CIDsDropped).
const maxSpareCIDs = 8

// NewConnectionID is the NewConnectionId message (RFC 9147 §9):
//
//	opaque ConnectionId<0..2^8-1>;
//	struct {
//	    ConnectionId cids<0..2^16-1>;
//	    ConnectionIdUsage usage;
//	} NewConnectionId;
type NewConnectionID struct {
	CIDs  [][]byte // alias the input
	Usage ConnectionIDUsage
}

var errCIDUsage = errors.New("unknown ConnectionIdUsage")

// ParseNewConnectionID parses the body. A zero-length CID in the list, or
// an unknown usage, is an illegal_parameter.
func ParseNewConnectionID(b []byte) (*NewConnectionID, error) {
	const typ = "NewConnectionId"
	c := shared.NewCursor(b)
	var list shared.Cursor
	var usage uint8
	if !c.ReadUint16LengthPrefixed(&list) || !c.ReadUint8(&usage) {
		return nil, decodeErr(typ, &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, decodeErr(typ, &c, shared.ErrTrailingBytes)
	}
	if usage > uint8(CIDSpare) {
		return nil, illegal(typ, &c, errCIDUsage)
	}
	m := &NewConnectionID{Usage: ConnectionIDUsage(usage)}
	for !list.Empty() {
		var id shared.Cursor
		if !list.ReadUint8LengthPrefixed(&id) {
			return nil, decodeErr(typ, &list, shared.ErrTruncated)
		}
		if id.Empty() {
			return nil, illegal(typ, &list, errors.New("empty connection ID"))
		}
		m.CIDs = append(m.CIDs, id.Rest())
	}
	return m, nil
}

// Append appends the body.
func (m *NewConnectionID) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	l := b.BeginUint16Length()
	for _, id := range m.CIDs {
		l2 := b.BeginUint8Length()
		b.AddBytes(id)
		b.EndUint8Length(l2)
	}
	b.EndUint16Length(l)
	b.AddUint8(uint8(m.Usage))
	return b.Bytes()
}

// ParseRequestConnectionID parses the body: struct { uint8 num_cids; }.
func ParseRequestConnectionID(b []byte) (int, error) {
	c := shared.NewCursor(b)
	var n uint8
	if !c.ReadUint8(&n) || !c.Empty() {
		return 0, decodeErr("RequestConnectionId", &c, errors.New("length"))
	}
	return int(n), nil
}

// offerCID puts our CID in a ClientHello and prepares the reader for it.
func (e *Endpoint) offerCID(ch *ClientHello) {
	if e.cfg.ConnectionID == nil {
		return
	}
	ch.Ext.HasConnectionID, ch.Ext.ConnectionID = true, e.cfg.ConnectionID
	e.reader.cidLen = len(e.cfg.ConnectionID)
}

// clientCID applies the server's connection_id in EncryptedExtensions.
func (e *Endpoint) clientCID(ee *EncryptedExtensions) error {
	if !ee.Ext.HasConnectionID {
		return nil
	}
	if !e.hs.chMsg.Ext.HasConnectionID {
		// RFC 8446 §4.2: an extension the client did not offer.
		return alert(alertUnsupportedExtension, errors.New("tls13: connection_id we did not offer"))
	}
	e.ourCID = e.hs.chMsg.Ext.ConnectionID
	e.reader.cidLen = len(e.ourCID)
	e.setPeerCID(bytes.Clone(ee.Ext.ConnectionID))
	return nil
}

// serverCID answers a ClientHello's connection_id (RFC 9147 §9) when we
// use CIDs.
func (e *Endpoint) serverCID(ch *ClientHello, ee *EncryptedExtensions) {
	if !ch.Ext.HasConnectionID || e.cfg.ConnectionID == nil {
		return
	}
	e.ourCID = e.cfg.ConnectionID
	e.reader.cidLen = len(e.ourCID)
	ee.Ext.HasConnectionID, ee.Ext.ConnectionID = true, e.ourCID
	e.setPeerCID(bytes.Clone(ch.Ext.ConnectionID))
}

// setPeerCID makes every writer put cid in its records.
func (e *Endpoint) setPeerCID(cid []byte) {
	e.cidOn, e.peerCID = true, cid
	for i := range e.writers {
		e.writers[i].CID = cid
	}
}

// ConnectionIDs reports whether CIDs were negotiated, ours (in records to
// us) and the peer's (in records we send; it changes after a
// NewConnectionId with cid_immediate).
func (e *Endpoint) ConnectionIDs() (on bool, ours, peer []byte) {
	return e.cidOn, e.ourCID, e.peerCID
}

// SpareConnectionIDs returns the peer's CIDs received in NewConnectionId
// and not in use.
func (e *Endpoint) SpareConnectionIDs() [][]byte { return e.spareCIDs }

// NewestCIDRecord reports whether the last HandleDatagram authenticated a
// record that carried our CID and was newer than every record before it
// in the newest epoch: what RFC 9146 §6 (by reference from RFC 9147 §9)
// requires before the owner moves the peer's address.
func (e *Endpoint) NewestCIDRecord() bool { return e.cidNewest }

// onNewConnectionID handles NewConnectionId after the handshake.
func (e *Endpoint) onNewConnectionID(body []byte) error {
	if !e.cidOn {
		// RFC 9147 §9: "Endpoints MUST NOT send either of these
		// messages if they did not negotiate a CID"; it is unexpected.
		return alert(alertUnexpectedMessage, errors.New("tls13: NewConnectionId without a negotiated CID"))
	}
	m, err := ParseNewConnectionID(body)
	if err != nil {
		return err
	}
	e.stats.CIDMessages++
	for i, id := range m.CIDs {
		if m.Usage == CIDImmediate && i == 0 {
			// "cid_immediate: the sender wants the receiver to switch
			// to a new CID immediately."
			if len(e.peerCID) > 0 && len(e.spareCIDs) < maxSpareCIDs {
				e.spareCIDs = append(e.spareCIDs, e.peerCID)
			}
			e.setPeerCID(bytes.Clone(id))
			continue
		}
		if len(e.spareCIDs) >= maxSpareCIDs {
			e.stats.CIDsDropped++
			continue
		}
		e.spareCIDs = append(e.spareCIDs, bytes.Clone(id))
	}
	e.sendACK() // RFC 9147 §7: post-handshake messages are acknowledged
	return nil
}

// onRequestConnectionID handles RequestConnectionId after the handshake:
// checked and ignored (see the package comment above).
func (e *Endpoint) onRequestConnectionID(body []byte) error {
	if !e.cidOn {
		return alert(alertUnexpectedMessage, errors.New("tls13: RequestConnectionId without a negotiated CID"))
	}
	if _, err := ParseRequestConnectionID(body); err != nil {
		return err
	}
	e.stats.CIDMessages++
	e.sendACK()
	return nil
}
