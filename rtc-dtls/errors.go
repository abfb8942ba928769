package dtls

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/sansrtc/rtc/rtc-shared"
)

// Sentinel errors callers branch on.
var (
	// ErrClosed reports use of a Conn after it was closed or failed. It
	// wraps shared.ErrClosed.
	ErrClosed = fmt.Errorf("dtls: connection closed: %w", shared.ErrClosed)
	// ErrHandshakeNotDone reports application data written before the
	// handshake completed.
	ErrHandshakeNotDone = errors.New("dtls: handshake not complete")
	// ErrHandshakeTimeout reports that the handshake did not finish within
	// Config.HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("dtls: handshake timed out")
	// ErrMessageTooLarge reports application data above the record limit.
	ErrMessageTooLarge = errors.New("dtls: message too large")
	// ErrQueueFull reports that an output queue is full; nothing was
	// queued. It wraps shared.ErrQueueFull. (Lost events are reported
	// with a *shared.OverflowError, which wraps shared.ErrQueueFull too.)
	ErrQueueFull = fmt.Errorf("dtls: queue full: %w", shared.ErrQueueFull)
	// ErrFingerprintMismatch reports a peer certificate whose fingerprint is
	// none of Config.PeerFingerprints.
	ErrFingerprintMismatch = errors.New("dtls: peer certificate fingerprint mismatch")
	// ErrNoVerification reports a Config that names no way to check the
	// peer's certificate.
	ErrNoVerification = errors.New("dtls: config has no PeerFingerprints, VerifyPeerCertificate or InsecureSkipVerify")
	// ErrNoCertificate reports a Config without a certificate.
	ErrNoCertificate = errors.New("dtls: config has no certificate")
	// ErrDropped reports a record or datagram that was dropped (and counted
	// in Stats). It wraps the reason.
	ErrDropped = errors.New("dtls: record dropped")
	// ErrLimit reports input that exceeded a configured limit.
	ErrLimit = errors.New("dtls: limit exceeded")
	// ErrSequenceExhausted reports that the 48-bit record sequence number
	// of an epoch is used up; the connection is closed rather than wrap it
	// (RFC 6347 §4.1).
	ErrSequenceExhausted = errors.New("dtls: record sequence number space exhausted")
	// ErrBadCookie reports a ClientHello with a cookie that did not verify.
	ErrBadCookie = errors.New("dtls: bad cookie")
)

// AlertLevel is the alert level (RFC 5246 §7.2).
type AlertLevel uint8

// Alert levels.
const (
	AlertLevelWarning AlertLevel = 1
	AlertLevelFatal   AlertLevel = 2
)

// Alert is a TLS alert description (RFC 5246 §7.2). It is also an error.
type Alert uint8

// Alert descriptions.
const (
	AlertCloseNotify            Alert = 0
	AlertUnexpectedMessage      Alert = 10
	AlertBadRecordMAC           Alert = 20
	AlertRecordOverflow         Alert = 22
	AlertHandshakeFailure       Alert = 40
	AlertBadCertificate         Alert = 42
	AlertUnsupportedCertificate Alert = 43
	AlertCertificateRevoked     Alert = 44
	AlertCertificateExpired     Alert = 45
	AlertCertificateUnknown     Alert = 46
	AlertIllegalParameter       Alert = 47
	AlertUnknownCA              Alert = 48
	AlertAccessDenied           Alert = 49
	AlertDecodeError            Alert = 50
	AlertDecryptError           Alert = 51
	AlertProtocolVersion        Alert = 70
	AlertInsufficientSecurity   Alert = 71
	AlertInternalError          Alert = 80
	AlertUserCanceled           Alert = 90
	AlertNoRenegotiation        Alert = 100
	AlertUnsupportedExtension   Alert = 110
	AlertNoApplicationProtocol  Alert = 120
)

// String returns the RFC name of the alert.
func (a Alert) String() string {
	switch a {
	case AlertCloseNotify:
		return "close_notify"
	case AlertUnexpectedMessage:
		return "unexpected_message"
	case AlertBadRecordMAC:
		return "bad_record_mac"
	case AlertRecordOverflow:
		return "record_overflow"
	case AlertHandshakeFailure:
		return "handshake_failure"
	case AlertBadCertificate:
		return "bad_certificate"
	case AlertUnsupportedCertificate:
		return "unsupported_certificate"
	case AlertCertificateRevoked:
		return "certificate_revoked"
	case AlertCertificateExpired:
		return "certificate_expired"
	case AlertCertificateUnknown:
		return "certificate_unknown"
	case AlertIllegalParameter:
		return "illegal_parameter"
	case AlertUnknownCA:
		return "unknown_ca"
	case AlertAccessDenied:
		return "access_denied"
	case AlertDecodeError:
		return "decode_error"
	case AlertDecryptError:
		return "decrypt_error"
	case AlertProtocolVersion:
		return "protocol_version"
	case AlertInsufficientSecurity:
		return "insufficient_security"
	case AlertInternalError:
		return "internal_error"
	case AlertUserCanceled:
		return "user_canceled"
	case AlertNoRenegotiation:
		return "no_renegotiation"
	case AlertUnsupportedExtension:
		return "unsupported_extension"
	case AlertNoApplicationProtocol:
		return "no_application_protocol"
	}
	return "Alert(" + strconv.Itoa(int(a)) + ")"
}

// Error makes an Alert usable as an error.
func (a Alert) Error() string { return "dtls: alert " + a.String() }

// AlertError is a fatal alert that ended the connection: sent by us
// (Remote false, with the local reason in Err) or received from the peer
// (Remote true). errors.Is(err, AlertBadCertificate) works on it.
type AlertError struct {
	Alert  Alert
	Remote bool  // the peer sent the alert
	Err    error // the local reason, for an alert we sent
}

// Error formats the alert and its reason.
func (e *AlertError) Error() string {
	s := "dtls: "
	if e.Remote {
		s += "peer sent alert " + e.Alert.String()
	} else {
		s += "sent alert " + e.Alert.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the alert and the local reason.
func (e *AlertError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Alert, e.Err}
	}
	return []error{e.Alert}
}

// fail builds the error for a fatal condition found locally: the alert to
// send and the reason.
func fail(a Alert, reason string) *AlertError {
	return &AlertError{Alert: a, Err: errors.New(reason)}
}

func failErr(a Alert, err error) *AlertError {
	return &AlertError{Alert: a, Err: err}
}
