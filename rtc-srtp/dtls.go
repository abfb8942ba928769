package srtp

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
