package stun

import "strconv"

// AttrType is a STUN attribute type (RFC 8489 §18.3). Types below 0x8000
// are comprehension-required, the rest comprehension-optional (§14).
type AttrType uint16

// Attribute types from the IANA STUN Attributes registry that WebRTC meets.
const (
	AttrMappedAddress          AttrType = 0x0001 // RFC 8489 §14.1
	AttrUsername               AttrType = 0x0006 // RFC 8489 §14.3
	AttrMessageIntegrity       AttrType = 0x0008 // RFC 8489 §14.5
	AttrErrorCode              AttrType = 0x0009 // RFC 8489 §14.8
	AttrUnknownAttributes      AttrType = 0x000A // RFC 8489 §14.9
	AttrChannelNumber          AttrType = 0x000C // RFC 8656 §18.1
	AttrLifetime               AttrType = 0x000D // RFC 8656 §18.2
	AttrXORPeerAddress         AttrType = 0x0012 // RFC 8656 §18.3
	AttrData                   AttrType = 0x0013 // RFC 8656 §18.4
	AttrRealm                  AttrType = 0x0014 // RFC 8489 §14.9
	AttrNonce                  AttrType = 0x0015 // RFC 8489 §14.10
	AttrXORRelayedAddress      AttrType = 0x0016 // RFC 8656 §18.5
	AttrRequestedAddressFamily AttrType = 0x0017 // RFC 8656 §18.6
	AttrEvenPort               AttrType = 0x0018 // RFC 8656 §18.7
	AttrRequestedTransport     AttrType = 0x0019 // RFC 8656 §18.8
	AttrDontFragment           AttrType = 0x001A // RFC 8656 §18.9
	AttrMessageIntegritySHA256 AttrType = 0x001C // RFC 8489 §14.6
	AttrPasswordAlgorithm      AttrType = 0x001D // RFC 8489 §14.12
	AttrUserhash               AttrType = 0x001E // RFC 8489 §14.4
	AttrXORMappedAddress       AttrType = 0x0020 // RFC 8489 §14.2
	AttrReservationToken       AttrType = 0x0022 // RFC 8656 §18.10
	AttrPriority               AttrType = 0x0024 // RFC 8445 §16.1
	AttrUseCandidate           AttrType = 0x0025 // RFC 8445 §16.1
	AttrConnectionID           AttrType = 0x002A // RFC 6062 §6.2.1

	AttrAdditionalAddressFamily AttrType = 0x8000 // RFC 8656 §18.11
	AttrAddressErrorCode        AttrType = 0x8001 // RFC 8656 §18.12
	AttrPasswordAlgorithms      AttrType = 0x8002 // RFC 8489 §14.11
	AttrAlternateDomain         AttrType = 0x8003 // RFC 8489 §14.16
	AttrICMP                    AttrType = 0x8004 // RFC 8656 §18.13
	AttrSoftware                AttrType = 0x8022 // RFC 8489 §14.14
	AttrAlternateServer         AttrType = 0x8023 // RFC 8489 §14.15
	AttrFingerprint             AttrType = 0x8028 // RFC 8489 §14.7
	AttrICEControlled           AttrType = 0x8029 // RFC 8445 §16.1
	AttrICEControlling          AttrType = 0x802A // RFC 8445 §16.1
)

// Required reports whether the type is comprehension-required (RFC 8489 §14).
func (t AttrType) Required() bool { return t < 0x8000 }

// Known reports whether this package knows the type.
func (t AttrType) Known() bool { return t.name() != "" }

func (t AttrType) name() string {
	switch t {
	case AttrMappedAddress:
		return "MAPPED-ADDRESS"
	case AttrUsername:
		return "USERNAME"
	case AttrMessageIntegrity:
		return "MESSAGE-INTEGRITY"
	case AttrErrorCode:
		return "ERROR-CODE"
	case AttrUnknownAttributes:
		return "UNKNOWN-ATTRIBUTES"
	case AttrChannelNumber:
		return "CHANNEL-NUMBER"
	case AttrLifetime:
		return "LIFETIME"
	case AttrXORPeerAddress:
		return "XOR-PEER-ADDRESS"
	case AttrData:
		return "DATA"
	case AttrRealm:
		return "REALM"
	case AttrNonce:
		return "NONCE"
	case AttrXORRelayedAddress:
		return "XOR-RELAYED-ADDRESS"
	case AttrRequestedAddressFamily:
		return "REQUESTED-ADDRESS-FAMILY"
	case AttrEvenPort:
		return "EVEN-PORT"
	case AttrRequestedTransport:
		return "REQUESTED-TRANSPORT"
	case AttrDontFragment:
		return "DONT-FRAGMENT"
	case AttrMessageIntegritySHA256:
		return "MESSAGE-INTEGRITY-SHA256"
	case AttrPasswordAlgorithm:
		return "PASSWORD-ALGORITHM"
	case AttrUserhash:
		return "USERHASH"
	case AttrXORMappedAddress:
		return "XOR-MAPPED-ADDRESS"
	case AttrReservationToken:
		return "RESERVATION-TOKEN"
	case AttrPriority:
		return "PRIORITY"
	case AttrUseCandidate:
		return "USE-CANDIDATE"
	case AttrConnectionID:
		return "CONNECTION-ID"
	case AttrAdditionalAddressFamily:
		return "ADDITIONAL-ADDRESS-FAMILY"
	case AttrAddressErrorCode:
		return "ADDRESS-ERROR-CODE"
	case AttrPasswordAlgorithms:
		return "PASSWORD-ALGORITHMS"
	case AttrAlternateDomain:
		return "ALTERNATE-DOMAIN"
	case AttrICMP:
		return "ICMP"
	case AttrSoftware:
		return "SOFTWARE"
	case AttrAlternateServer:
		return "ALTERNATE-SERVER"
	case AttrFingerprint:
		return "FINGERPRINT"
	case AttrICEControlled:
		return "ICE-CONTROLLED"
	case AttrICEControlling:
		return "ICE-CONTROLLING"
	}
	return ""
}

// String returns the RFC name of the type, or "0x...." for unknown types.
func (t AttrType) String() string {
	if n := t.name(); n != "" {
		return n
	}
	return "0x" + strconv.FormatUint(uint64(t), 16)
}
