package rtc

import (
	"errors"
	"fmt"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// This file holds what JSEP reads from a remote description. rtc-sdp
// parses the grammar and owns the typed attribute values (a=fingerprint,
// a=setup, a=sctp-port, ...); the PeerConnection reads them through its
// accessors, and validateRemote (apply.go) turns them into the negotiated
// transport parameters (remoteParams). Local descriptions are built with
// rtc-sdp's builder in jsep.go.

// parseSDP parses a remote description: rtc-sdp checks the grammar (RFC
// 8866 line order, required lines, size limits). Attribute values are
// checked for the attributes JSEP relies on (fingerprint, setup,
// sctp-port, max-message-size); others are left alone (RFC 8866 §5.13:
// unknown attributes are ignored). Whether the description can be applied
// is checked by validateRemote.
func parseSDP(s string, maxSize int) (*sdp.SessionDescription, error) {
	cfg := sdp.Config{MaxSize: maxSize}
	sd, err := cfg.Parse(s)
	if err != nil {
		if errors.Is(err, sdp.ErrTooLarge) {
			return nil, fmt.Errorf("%w: %w", ErrLimit, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := checkTransportAttrs(sd.Attributes); err != nil {
		return nil, fmt.Errorf("%w: session: %w", ErrInvalidSDP, err)
	}
	for i, md := range sd.Media {
		if err := checkTransportAttrs(md.Attributes); err != nil {
			return nil, fmt.Errorf("%w: m-section %d: %w", ErrInvalidSDP, i, err)
		}
		port, ok, err := md.SCTPPort()
		if err == nil && ok && port == 0 {
			err = &sdp.AttributeError{Key: sdp.AttrSCTPPort, Value: "0", Reason: "port 0"}
		}
		if err == nil {
			_, _, err = md.MaxMessageSize()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: m-section %d: %w", ErrInvalidSDP, i, err)
		}
	}
	return sd, nil
}

// checkTransportAttrs checks the a=fingerprint (RFC 8122 §5) and a=setup
// (RFC 4145 §4) values of one level of a description.
func checkTransportAttrs(as sdp.Attributes) error {
	if _, err := as.Fingerprints(); err != nil {
		return err
	}
	_, err := as.Setup()
	return err
}

// bundleTag returns the m-section whose transport the BUNDLE group uses:
// the first mid of the BUNDLE group (RFC 8843 §7.2.1, the offerer/answerer
// tagged m-section), or the first non-rejected m-section without bundle.
func bundleTag(sd *sdp.SessionDescription) *sdp.MediaDescription {
	if g, ok := sd.BundleGroup(); ok && len(g.MIDs) > 0 {
		if md := sd.MediaByMID(g.MIDs[0]); md != nil {
			return md
		}
	}
	for _, md := range sd.Media {
		if md.Port != 0 {
			return md
		}
	}
	return nil
}

// mid returns the a=mid of an m-section, empty when absent.
func mid(md *sdp.MediaDescription) string {
	v, _ := md.MID()
	return v
}

// setupFor returns the a=setup value that states an established DTLS
// role (RFC 8842 §5.5: a subsequent offer or answer keeps it).
func setupFor(dtlsClient bool) sdp.Setup {
	if dtlsClient {
		return sdp.SetupActive
	}
	return sdp.SetupPassive
}
