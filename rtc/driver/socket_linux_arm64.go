package driver

// The batch system calls (not all in package syscall for this arch).
const (
	sysRecvmmsg = 243
	sysSendmmsg = 269
)
