package rtp

// ExtensionIDs holds the IDs a session negotiated (a=extmap, RFC 8285 §5)
// for the header extensions this package types. Zero means not negotiated.
type ExtensionIDs struct {
	AbsSendTime            uint8
	TransportCC            uint8
	MID                    uint8
	RTPStreamID            uint8
	RepairedRTPStreamID    uint8
	AudioLevel             uint8
	VideoOrientation       uint8
	PlayoutDelay           uint8
	AbsCaptureTime         uint8
	DependencyDescriptor   uint8
	TransmissionTimeOffset uint8
}

// Set records id for uri and reports whether the URI is one of the typed
// extensions. IDs outside 1-255 are rejected (RFC 8285 §5: 1-14 for the
// one-byte form, up to 255 with the two-byte form).
func (m *ExtensionIDs) Set(uri string, id int) bool {
	if id < 1 || id > 255 {
		return false
	}
	p := m.field(uri)
	if p == nil {
		return false
	}
	*p = uint8(id)
	return true
}

// ID returns the negotiated ID of uri, or zero.
func (m *ExtensionIDs) ID(uri string) uint8 {
	if p := m.field(uri); p != nil {
		return *p
	}
	return 0
}

func (m *ExtensionIDs) field(uri string) *uint8 {
	switch uri {
	case URIAbsSendTime:
		return &m.AbsSendTime
	case URITransportCC:
		return &m.TransportCC
	case URIMID:
		return &m.MID
	case URIRTPStreamID:
		return &m.RTPStreamID
	case URIRepairedRTPStreamID:
		return &m.RepairedRTPStreamID
	case URIAudioLevel:
		return &m.AudioLevel
	case URIVideoOrientation:
		return &m.VideoOrientation
	case URIPlayoutDelay:
		return &m.PlayoutDelay
	case URIAbsCaptureTime:
		return &m.AbsCaptureTime
	case URIDependencyDescriptor:
		return &m.DependencyDescriptor
	case URITransmissionTimeOffset:
		return &m.TransmissionTimeOffset
	}
	return nil
}
