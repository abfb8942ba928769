package driver

// The batch system calls (not all in package syscall for this arch).
const (
	sysRecvmmsg = 299
	sysSendmmsg = 307
)
