// Package outfile opens every file cttop writes: saved rules, saved sysctl
// snippets, the --log file and any evidence file. cttop runs as root, often
// in a directory other users can write to (/tmp, a shared home), so a file
// name may already be a symlink, a hard link or a FIFO planted by someone
// else. The rules here:
//
//   - a final symlink is never followed (O_NOFOLLOW);
//   - a new file is created, never an existing one clobbered (O_EXCL);
//   - a new file has mode 0600 (less if the umask says so);
//   - Append reuses an existing file only when it is a regular file with one
//     link, owned by the user cttop runs as (root, as a rule), and opening
//     it cannot block (O_NONBLOCK for the check: a FIFO is refused, not
//     waited on).
//
// Symlinks in the directories above the final name are followed, as every
// other program does: who can change those can change more than cttop's
// output.
package outfile
