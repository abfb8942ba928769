package srtp

// Config keys and bounds one Context. It is copied by NewContext; changing it
// afterwards has no effect.
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
	// §3.3.2). If zero, 64 is used; values below 64 are raised to 64.
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

func (c *Config) replayWindow() int {
	if c.ReplayWindow <= 0 {
		return 64
	}
	return max(c.ReplayWindow, 64)
}

func (c *Config) maxSSRCs() int {
	if c.MaxSSRCs <= 0 {
		return 1024
	}
	return c.MaxSSRCs
}
