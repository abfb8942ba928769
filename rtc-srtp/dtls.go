package srtp

import "strings"

// ExporterLabel is the TLS exporter label for DTLS-SRTP keying material
// (RFC 5764 §4.2).
const ExporterLabel = "EXTRACTOR-dtls_srtp"

// Role is our DTLS role, which decides which half of the exported keying
// material we write with.
type Role uint8

// DTLS roles.
const (
	RoleClient Role = iota // we sent the ClientHello
	RoleServer             // we answered it
)

// String returns "client" or "server".
func (r Role) String() string {
	if r == RoleServer {
		return "server"
	}
	return "client"
}

// ConfigsFromDTLS splits keying material exported from a DTLS-SRTP
// association (label ExporterLabel, no context, Profile.KeyingMaterialLen()
// octets) into two configs: local keys what we send (ProtectRTP/RTCP) and
// remote keys what we receive (UnprotectRTP/RTCP). Every other field is
// copied from base, whose Profile must be the negotiated one.
//
// RFC 5764 §4.2: the material is client_write_SRTP_master_key ||
// server_write_SRTP_master_key || client_write_SRTP_master_salt ||
// server_write_SRTP_master_salt. The configs' keys are copies: material may
// be reused afterwards.
func ConfigsFromDTLS(base Config, material []byte, role Role) (local, remote Config, err error) {
	p, ok := base.Profile.Params()
	if !ok || len(material) != 2*(p.KeyLen+p.SaltLen) {
		return Config{}, Config{}, ErrBadConfig
	}
	kl, sl := p.KeyLen, p.SaltLen
	m := append([]byte(nil), material...)
	clientKey, serverKey := m[:kl:kl], m[kl:2*kl:2*kl]
	clientSalt, serverSalt := m[2*kl:2*kl+sl:2*kl+sl], m[2*kl+sl:]
	local, remote = base, base
	if role == RoleClient {
		local.MasterKey, local.MasterSalt = clientKey, clientSalt
		remote.MasterKey, remote.MasterSalt = serverKey, serverSalt
	} else {
		local.MasterKey, local.MasterSalt = serverKey, serverSalt
		remote.MasterKey, remote.MasterSalt = clientKey, clientSalt
	}
	return local, remote, nil
}

// Exporter is the RFC 5705 exporter of a DTLS connection (*dtls.Conn from
// rtc-dtls has it). rtc-dtls knows only the use_srtp profile ids; this
// package owns the profiles and the RFC 5764 §4.2 key split.
type Exporter interface {
	ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error)
}

// ConfigsFromExporter exports base.Profile.KeyingMaterialLen() octets of
// keying material (RFC 5764 §4.2: label ExporterLabel, no context) and
// splits them with ConfigsFromDTLS. base.Profile is the profile the DTLS
// handshake negotiated: the use_srtp id is the Profile's code point, so
// srtp.Profile(state.SRTPProfile).
func ConfigsFromExporter(base Config, e Exporter, role Role) (local, remote Config, err error) {
	n := base.Profile.KeyingMaterialLen()
	if n == 0 {
		return Config{}, Config{}, ErrBadConfig
	}
	material, err := e.ExportKeyingMaterial(ExporterLabel, nil, n)
	if err != nil {
		return Config{}, Config{}, err
	}
	return ConfigsFromDTLS(base, material, role)
}

// ParseProfile returns the profile with the given name: the registry name
// (Profile.String, "SRTP_AES128_CM_HMAC_SHA1_80") or OpenSSL's spelling
// without "HMAC_" ("SRTP_AES128_CM_SHA1_80", as openssl -use_srtp and
// browsers' getStats print it).
func ParseProfile(name string) (Profile, bool) {
	for i := range profiles {
		reg := profiles[i].p.Name
		if name == reg || name == strings.Replace(reg, "_HMAC_SHA1", "_SHA1", 1) {
			return profiles[i].id, true
		}
	}
	return 0, false
}
