// Package cli holds the flags and logging the examples share: ICE servers
// (issue 16: -ice-server, -ice-user, -ice-pass, -relay-only), host
// addresses (-host), one UDP port for every session (issue 18: -udp-port,
// -public-ip, -ice-lite), one ICE-TCP port for every session (-tcp-port),
// the real-network flags of issue 16 (-tls-roots for turns:
// servers, -mdns to resolve browsers' .local candidates, -mdns-publish to
// hide our own host addresses behind such names) and log levels
// (-v).
package cli

import (
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"

	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
)

// Flags are the flags every example takes.
type Flags struct {
	Hosts      string
	ICEServers []string
	ICEUser    string
	ICEPass    string
	RelayOnly  bool
	Verbose    bool
	UDPPort    int
	PublicIP   string
	TLSRoots   string
	MDNS       string
	// MDNSPublish signals host candidates as mDNS .local names
	// (rtc.Configuration.MDNSHostCandidates), answered by the -mdns socket.
	MDNSPublish bool
	ICETCP      bool
	TCPPort     int
	ICELite     bool
}

type listFlag struct{ to *[]string }

func (l listFlag) String() string {
	if l.to == nil {
		return ""
	}
	return strings.Join(*l.to, ",")
}

func (l listFlag) Set(s string) error {
	*l.to = append(*l.to, s)
	return nil
}

// Register adds the shared flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Hosts, "host", "127.0.0.1", "comma-separated host addresses for ICE (loopback by default; a LAN address lets other devices connect)")
	fs.Var(listFlag{&f.ICEServers}, "ice-server", "STUN or TURN server URL, e.g. stun:192.0.2.1:3478, turn:192.0.2.1:3478?transport=udp, turn:turn.example.org?transport=tcp or turns:turn.example.org:5349 (TURN over TLS); DNS names are resolved at start (repeatable)")
	fs.StringVar(&f.ICEUser, "ice-user", "", "TURN user name (long-term credential) for every -ice-server")
	fs.StringVar(&f.ICEPass, "ice-pass", "", "TURN password for every -ice-server")
	fs.BoolVar(&f.RelayOnly, "relay-only", false, "use relayed (TURN) candidates only")
	fs.BoolVar(&f.Verbose, "v", false, "log every event and message (debug level)")
	fs.IntVar(&f.UDPPort, "udp-port", 0, "run every session on this one UDP port (0: a socket per session)")
	fs.StringVar(&f.TLSRoots, "tls-roots", "", "PEM file of the roots that verify turns: servers (default: the system roots)")
	fs.BoolVar(&f.ICETCP, "ice-tcp", false, "also offer ICE-TCP (RFC 6544): a passive TCP port per session and host address, active dials; UDP keeps priority")
	fs.IntVar(&f.TCPPort, "tcp-port", 0, "offer ICE-TCP (RFC 6544) with this one passive TCP port for every session, routed by the first check's ufrag (0: none; with -ice-tcp, a port per session); works with -udp-port and -public-ip")
	fs.StringVar(&f.MDNS, "mdns", "", "resolve remote mDNS .local candidates (stock browsers) by asking on this LAN interface, e.g. eth0")
	fs.BoolVar(&f.MDNSPublish, "mdns-publish", false, "signal host candidates as random <uuid>.local names instead of their IP addresses, as browsers do, and answer mDNS queries for them on the -mdns interface (needs -mdns)")
	fs.BoolVar(&f.ICELite, "ice-lite", false, "be an ICE-lite agent (RFC 8445 §2.5), as a server on a public address is (with -udp-port, -public-ip): host candidates only, the peer checks and nominates; no -ice-server")
	fs.StringVar(&f.PublicIP, "public-ip", "", "advertise this address instead of -host (a static 1:1 NAT, as cloud VMs have); needs -udp-port and one -host")
}

// DriverConfig returns the driver configuration of -host, -udp-port,
// -tcp-port, -public-ip, -ice-tcp, -ice-lite, -tls-roots and -mdns,
// logging to log.
func (f *Flags) DriverConfig(log *slog.Logger) (driver.Config, error) {
	hosts, err := f.HostAddresses()
	if err != nil {
		return driver.Config{}, err
	}
	cfg := driver.Config{Addresses: hosts, Logger: log}
	if f.UDPPort != 0 {
		if f.UDPPort < 0 || f.UDPPort > 65535 {
			return cfg, fmt.Errorf("bad -udp-port %d", f.UDPPort)
		}
		cfg.SinglePort, cfg.Port = true, f.UDPPort
	}
	if f.PublicIP != "" {
		a, err := netip.ParseAddr(f.PublicIP)
		if err != nil {
			return cfg, fmt.Errorf("bad -public-ip %q: %v", f.PublicIP, err)
		}
		if !cfg.SinglePort || len(hosts) != 1 {
			return cfg, fmt.Errorf("-public-ip needs -udp-port and exactly one -host")
		}
		cfg.PublicIP = a
	}
	if f.ICELite {
		if len(f.ICEServers) > 0 {
			return cfg, fmt.Errorf("-ice-lite does not use -ice-server (host candidates only)")
		}
		cfg.ICELite = true
	}
	if f.TLSRoots != "" {
		pem, err := os.ReadFile(f.TLSRoots)
		if err != nil {
			return cfg, fmt.Errorf("-tls-roots: %w", err)
		}
		cfg.TLSRoots = x509.NewCertPool()
		if !cfg.TLSRoots.AppendCertsFromPEM(pem) {
			return cfg, fmt.Errorf("-tls-roots: no certificate in %s", f.TLSRoots)
		}
	}
	cfg.ICETCP = f.ICETCP
	if f.TCPPort != 0 {
		if f.TCPPort < 0 || f.TCPPort > 65535 {
			return cfg, fmt.Errorf("bad -tcp-port %d", f.TCPPort)
		}
		cfg.TCPPort = f.TCPPort
	}
	if f.MDNS != "" {
		// Lives as long as the process: the examples run until killed.
		r, err := driver.NewMDNSResolver(driver.MDNSConfig{Interface: f.MDNS})
		if err != nil {
			return cfg, fmt.Errorf("-mdns: %w", err)
		}
		cfg.Resolver = r
	}
	return cfg, nil
}

// HostAddresses parses -host.
func (f *Flags) HostAddresses() ([]netip.Addr, error) {
	var out []netip.Addr
	for _, h := range strings.Split(f.Hosts, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("bad -host %q: %v", h, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// Configuration returns the PeerConnection configuration of the ICE
// flags, checked by creating (and closing) one PeerConnection with it, so
// a bad URL fails at start and not on every connection.
func (f *Flags) Configuration() (rtc.Configuration, error) {
	var cfg rtc.Configuration
	if len(f.ICEServers) > 0 {
		cfg.ICEServers = []rtc.ICEServer{{URLs: f.ICEServers, Username: f.ICEUser, Credential: f.ICEPass}}
	} else if f.ICEUser != "" || f.ICEPass != "" {
		return cfg, fmt.Errorf("-ice-user and -ice-pass need an -ice-server")
	}
	if f.MDNSPublish {
		if f.MDNS == "" {
			return cfg, fmt.Errorf("-mdns-publish needs -mdns (the interface whose mDNS socket answers for the names)")
		}
		cfg.MDNSHostCandidates = true
	}
	if f.RelayOnly {
		if len(f.ICEServers) == 0 {
			return cfg, fmt.Errorf("-relay-only needs a TURN -ice-server")
		}
		cfg.ICETransportPolicy = rtc.ICETransportPolicyRelay
	}
	pc, err := rtc.NewPeerConnection(cfg)
	if err != nil {
		return cfg, fmt.Errorf("ICE flags: %w", err)
	}
	if err := pc.Close(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Logger logs text to standard error at Info, or at Debug with -v.
func (f *Flags) Logger() *slog.Logger {
	level := slog.LevelInfo
	if f.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
