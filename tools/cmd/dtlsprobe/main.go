// Command dtlsprobe tries a DTLS 1.2 or 1.3 handshake (with DTLS-SRTP) by
// hand against any peer over UDP, using the sans-I/O rtc-dtls package.
//
//	go run ./tools/cmd/dtlsprobe -mode server -listen 127.0.0.1:4444
//	go run ./tools/cmd/dtlsprobe -mode client -connect 127.0.0.1:4444 -msg hi
//
// -version picks the protocol: 1.2 (the default), 1.3, or auto (a server
// answers a ClientHello offering 1.3 with 1.3 and any other with 1.2; a
// client offers both and follows the server's choice).
//
// The client sends one line of application data (-msg, with its newline)
// after the handshake and prints what comes back; the server answers every
// application-data record with "echo:" followed by the same bytes, until
// the client closes or the timeout passes. Both print, as their last line, one JSON object:
//
//	{"ok":true,"version":"DTLS 1.2","cipher":"...","srtp_profile":"SRTP_AES128_CM_SHA1_80",
//	 "extended_master_secret":true,"keying_material":"<60 bytes, upper-case hex>",
//	 "peer_fingerprint":"sha-256 ...","group":"x25519"}
//
// (DTLS 1.3: "version":"DTLS 1.3", "group":"X25519MLKEM768" by default, and
// keying_material from the RFC 8446 §7.5 exporter.)
//
// -cid N asks for connection IDs of N bytes (RFC 9146, RFC 9147 §9; 0, the
// default, is off); when the peer negotiates them, the JSON line adds
// "local_cid" and "peer_cid" (hex; an empty peer_cid means the peer wants
// none).
//
// or {"ok":false,"error":"..."} with exit status 1. keying_material is 60
// bytes of the RFC 5705 exporter with the label EXTRACTOR-dtls_srtp, as
// `openssl s_server -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen 60`
// prints it.
package main

import (
	"crypto"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

type options struct {
	mode, listen, connect string
	srtp                  string
	certFile, keyFile     string
	fingerprint           string
	msg                   string
	timeout               time.Duration
	mtu                   int
	helloVerify           bool
	version               string
	cid                   int
}

type result struct {
	OK                   bool    `json:"ok"`
	Version              string  `json:"version,omitempty"`
	Cipher               string  `json:"cipher,omitempty"`
	SRTPProfile          string  `json:"srtp_profile,omitempty"`
	ExtendedMasterSecret bool    `json:"extended_master_secret,omitempty"`
	KeyingMaterial       string  `json:"keying_material,omitempty"`
	PeerFingerprint      string  `json:"peer_fingerprint,omitempty"`
	Group                string  `json:"group,omitempty"`
	LocalCID             string  `json:"local_cid,omitempty"`
	PeerCID              *string `json:"peer_cid,omitempty"`
	Error                string  `json:"error,omitempty"`
	// Received is the last application data received, as it came (not
	// printed in the JSON line).
	Received string `json:"-"`
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "", "client or server")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "server: UDP address to listen on (client: local address)")
	flag.StringVar(&o.connect, "connect", "", "client: UDP address of the server")
	flag.StringVar(&o.srtp, "srtp", "SRTP_AES128_CM_SHA1_80", "SRTP profiles to offer/accept, in order, separated by ',' or ':' (empty: no use_srtp)")
	flag.StringVar(&o.certFile, "cert", "", "certificate PEM file (an ECDSA P-256 certificate is generated if empty)")
	flag.StringVar(&o.keyFile, "key", "", "private key PEM file for -cert")
	flag.StringVar(&o.fingerprint, "fingerprint", "", `expected peer fingerprint, "sha-256 AB:CD:..." (any certificate is accepted if empty)`)
	flag.StringVar(&o.msg, "msg", "hello", "client: the line of application data to send")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up after this long")
	flag.IntVar(&o.mtu, "mtu", 1200, "largest datagram during the handshake")
	flag.BoolVar(&o.helloVerify, "hello-verify", false, "server: send a HelloVerifyRequest cookie (DTLS 1.3: a HelloRetryRequest cookie)")
	flag.StringVar(&o.version, "version", "1.2", "DTLS version: 1.2, 1.3, or auto (server: 1.3 when the client offers it, else 1.2; client: offer both, follow the server)")
	flag.IntVar(&o.cid, "cid", 0, "connection ID length to ask for, 1..255 (0: no connection IDs)")
	flag.Parse()

	res, err := run(o, os.Stdout)
	if err != nil {
		res = result{OK: false, Error: err.Error()}
	}
	line, _ := json.Marshal(res)
	fmt.Println(string(line))
	if !res.OK {
		os.Exit(1)
	}
}

func loadCertificate(o options) (*dtls.Certificate, error) {
	if o.certFile == "" {
		return dtls.GenerateCertificate(time.Now(), dtls.KeyECDSAP256)
	}
	kp, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
	if err != nil {
		return nil, err
	}
	signer, ok := kp.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("private key cannot sign")
	}
	return &dtls.Certificate{Certificate: kp.Certificate, PrivateKey: signer}, nil
}

func buildConfig(o options) (*dtls.Config, error) {
	cert, err := loadCertificate(o)
	if err != nil {
		return nil, err
	}
	cfg := &dtls.Config{Certificate: cert, MTU: o.mtu, HelloVerify: o.helloVerify, HandshakeTimeout: o.timeout, ConnectionIDLength: o.cid}
	switch o.version {
	case "", "1.2":
		cfg.MinVersion, cfg.MaxVersion = dtls.VersionDTLS12, dtls.VersionDTLS12
	case "1.3":
		cfg.MinVersion, cfg.MaxVersion = dtls.VersionDTLS13, dtls.VersionDTLS13
	case "auto":
		cfg.MinVersion, cfg.MaxVersion = dtls.VersionDTLS12, dtls.VersionDTLS13
	default:
		return nil, fmt.Errorf("-version %q: want 1.2, 1.3 or auto", o.version)
	}
	if o.fingerprint != "" {
		f, err := dtls.ParseFingerprint(o.fingerprint)
		if err != nil {
			return nil, err
		}
		cfg.PeerFingerprints = []dtls.Fingerprint{f}
	} else {
		cfg.InsecureSkipVerify = true
		cfg.ClientAuth = dtls.RequestClientCert
	}
	if strings.TrimSpace(o.srtp) == "" {
		cfg.DisableSRTP = true
	} else {
		for _, name := range strings.FieldsFunc(o.srtp, func(r rune) bool { return r == ',' || r == ':' }) {
			p, ok := srtp.ParseProfile(strings.TrimSpace(name))
			if !ok {
				return nil, fmt.Errorf("unknown SRTP profile %q", name)
			}
			cfg.SRTPProfiles = append(cfg.SRTPProfiles, uint16(p))
		}
	}
	return cfg, nil
}

func run(o options, out io.Writer) (result, error) {
	cfg, err := buildConfig(o)
	if err != nil {
		return result{}, err
	}
	laddr, err := net.ResolveUDPAddr("udp", o.listen)
	if err != nil {
		return result{}, err
	}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return result{}, err
	}
	defer udp.Close()
	local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	p := &peer{udp: udp, local: local, out: out, deadline: time.Now().Add(o.timeout)}

	switch o.mode {
	case "server":
		fmt.Fprintf(out, "listening on %v\n", local)
		p.conn, err = dtls.NewServer(time.Now(), shared.TransportContext{Local: local}, cfg)
		if err != nil {
			return result{}, err
		}
		p.echo = true
		if err := p.run(func() bool { return p.closed }); err != nil && p.state == nil {
			return result{}, err
		}
	case "client":
		raddr, err := net.ResolveUDPAddr("udp", o.connect)
		if err != nil {
			return result{}, err
		}
		rap := raddr.AddrPort()
		rap = netip.AddrPortFrom(rap.Addr().Unmap(), rap.Port())
		p.conn, err = dtls.NewClient(time.Now(), shared.TransportContext{Local: local, Peer: rap}, cfg)
		if err != nil {
			return result{}, err
		}
		if err := p.run(func() bool { return p.state != nil }); err != nil {
			return result{}, err
		}
		if err := p.conn.HandleWrite(line(o.msg)); err != nil {
			return result{}, err
		}
		// Wait for the answer; a peer that does not echo (openssl
		// s_server, say) only costs the timeout, the handshake still counts.
		if err := p.run(func() bool { return p.got > 0 }); err != nil {
			if p.closed {
				return result{}, fmt.Errorf("waiting for the answer: %w", err)
			}
			fmt.Fprintf(out, "no answer: %v\n", err)
		}
		p.conn.Close()
		p.flush()
	default:
		return result{}, errors.New("-mode must be client or server")
	}
	if p.state == nil {
		return result{}, errors.New("handshake did not complete")
	}
	km, err := p.conn.ExportKeyingMaterial(srtp.ExporterLabel, nil, 60)
	if err != nil {
		return result{}, err
	}
	st := p.state
	res := result{
		OK:                   true,
		Version:              st.Version,
		Cipher:               st.CipherSuite.String(),
		ExtendedMasterSecret: st.ExtendedMasterSecret,
		KeyingMaterial:       strings.ToUpper(hex.EncodeToString(km)),
		Group:                st.Group.String(),
		Received:             string(p.received),
	}
	if st.ConnectionID {
		res.LocalCID = hex.EncodeToString(st.LocalConnectionID)
		peer := hex.EncodeToString(st.PeerConnectionID)
		res.PeerCID = &peer
	}
	if st.SRTPProfile != 0 {
		res.SRTPProfile = opensslName(srtp.Profile(st.SRTPProfile))
	}
	if len(st.PeerCertificates) > 0 {
		res.PeerFingerprint = st.PeerFingerprint.String()
	}
	return res, nil
}

// opensslName is the profile's name as OpenSSL prints it
// ("SRTP_AES128_CM_SHA1_80").
func opensslName(p srtp.Profile) string {
	return strings.Replace(p.String(), "_HMAC_SHA1", "_SHA1", 1)
}

// line is -msg as the one line of application data it is documented to be:
// with its newline, which line-oriented peers such as openssl s_server
// expect (issue 11).
func line(msg string) []byte {
	if strings.HasSuffix(msg, "\n") {
		return []byte(msg)
	}
	return []byte(msg + "\n")
}

// peer runs the sans-I/O loop on a UDP socket.
type peer struct {
	conn     *dtls.Conn
	udp      *net.UDPConn
	local    netip.AddrPort
	out      io.Writer
	deadline time.Time
	echo     bool
	state    *dtls.ConnectionState
	got      int
	received []byte // the last application data record
	closed   bool
	err      error
}

func (p *peer) flush() {
	for {
		dg, ok := p.conn.PollWrite()
		if !ok {
			break
		}
		_, _ = p.udp.WriteToUDPAddrPort(dg.Message, dg.Transport.Peer)
	}
	for {
		ev, ok := p.conn.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case dtls.EventHandshakeComplete:
			p.state = ev.State
			fmt.Fprintf(p.out, "handshake complete: %v, %v, srtp %v, peer %v\n", ev.State.CipherSuite, ev.State.Group, opensslName(srtp.Profile(ev.State.SRTPProfile)), ev.State.PeerFingerprint)
		case dtls.EventAlert:
			fmt.Fprintf(p.out, "alert: %v (remote %v)\n", ev.Alert, ev.Remote)
		case dtls.EventClosed:
			p.closed = true
			p.err = ev.Err
			if ev.Err != nil {
				fmt.Fprintf(p.out, "closed: %v\n", ev.Err)
			} else {
				fmt.Fprintln(p.out, "closed")
			}
		}
	}
	for {
		b, ok := p.conn.PollRead()
		if !ok {
			break
		}
		p.got++
		p.received = append(p.received[:0], b...)
		fmt.Fprintf(p.out, "received: %s\n", strings.TrimRight(string(b), "\n"))
		if p.echo {
			_ = p.conn.HandleWrite(append([]byte("echo:"), b...))
			p.flush()
		}
	}
}

func (p *peer) run(done func() bool) error {
	buf := make([]byte, 65536)
	for {
		p.flush()
		if done() {
			return nil
		}
		if p.closed {
			if p.err != nil {
				return p.err
			}
			return errors.New("connection closed")
		}
		now := time.Now()
		if now.After(p.deadline) {
			return errors.New("timeout")
		}
		wait := p.deadline
		if d, ok := p.conn.PollTimeout(); ok && d.Before(wait) {
			wait = d
		}
		_ = p.udp.SetReadDeadline(wait)
		n, from, err := p.udp.ReadFromUDPAddrPort(buf)
		now = time.Now()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				_ = p.conn.HandleTimeout(now)
				continue
			}
			return err
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		_ = p.conn.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: p.local, Peer: from}, Message: buf[:n]})
	}
}
