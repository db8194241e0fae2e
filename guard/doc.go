// Package guard warns before cttop locks its operator out or cuts the host
// off from itself: dropping or untracking the address an SSH session comes
// from, loopback, or the host's own addresses.
//
// FindOperator finds the operator's session without trusting the
// environment alone (sudo drops SSH_CONNECTION): it walks the process
// ancestry to the sshd that serves the terminal and reads that process's
// TCP peer in the namespace sshd runs in, matches the audit session for a
// cttop inside tmux, reads the utmp login records of the terminals on the
// way, and adds SSH_CONNECTION and SSH_CLIENT when they are well-formed.
// Every Warning of Guard.CheckTarget (Check, CheckService) is strong evidence
// and names how it was found; the caller demands a typed confirmation.
//
// An ESTABLISHED flow to a local sshd (Guard.SSHClients, CountSSH) is weak
// evidence: during an SSH brute force every attacker has one. The caller
// says how many targets have one, and asks nothing more.
//
// A Guard is built for the namespace acted on (its addresses, the ports its
// sshd listens on); it holds no lock and is read-only after it is built.
package guard
