package srtp

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Config keys and bounds one Context. It is copied by NewContext; changing it
// afterwards has no effect. A non-zero value outside a field's documented
// range makes NewContext fail with an error wrapping
// shared.ErrInvalidConfig (the rtc-shared config rule; see Validate).
type Config struct {
	// Profile is the protection profile. It must be one of Profiles().
	Profile Profile
	// MasterKey is the master key; its length must be Profile.KeyLen().
	MasterKey []byte
	// MasterSalt is the master salt; its length must be Profile.SaltLen().
	MasterSalt []byte
	// MKI is the Master Key Identifier written into every packet this
	// context protects and expected in every packet it unprotects (RFC 3711
	// §3.1). If empty, packets carry no MKI field. Further keys with MKIs of
	// the same length can be added with Context.AddKey.
	MKI []byte
	// ReplayWindow is the width of the replay window in packets (RFC 3711
	// §3.3.2). If zero, 64 is used. It must be 64 (the RFC minimum) to
	// 32768 (libsrtp's largest), bounding the memory per SSRC.
	ReplayWindow int
	// DisableReplayProtection turns the replay check off (for a middlebox
	// that relays what it cannot verify as fresh). If false, replays are
	// rejected with ErrReplay.
	DisableReplayProtection bool
	// MaxSSRCs bounds how many SSRCs the context tracks in each direction.
	// A packet from one more SSRC is rejected with ErrTooManySSRCs until
	// RemoveSSRC frees a slot. If zero, 1024 is used.
	MaxSSRCs int
	// UnencryptedSRTP sends and expects SRTP payloads in the clear, with
	// authentication only (RFC 3711 §3.1 leaves confidentiality optional;
	// RFC 7714 §16.1.3 shows the AEAD form). If false, payloads are
	// encrypted, as every WebRTC implementation does.
	UnencryptedSRTP bool
	// UnencryptedSRTCP sends SRTCP with the E bit clear (RFC 3711 §3.4). If
	// false, SRTCP is encrypted. Received SRTCP follows each packet's E bit.
	UnencryptedSRTCP bool
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range.
// NewContext calls it; the error names every field out of range and wraps
// shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "srtp"
	return errors.Join(
		shared.CheckRange(l, "ReplayWindow", c.ReplayWindow, shared.MinReplayWindow, 1<<15),
		shared.CheckMin(l, "MaxSSRCs", c.MaxSSRCs, 1),
	)
}

func (c *Config) replayWindow() int { return shared.OrDefault(c.ReplayWindow, 64) }
func (c *Config) maxSSRCs() int     { return shared.OrDefault(c.MaxSSRCs, 1024) }
