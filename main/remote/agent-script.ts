/**
 * The remote agent (SPEC 24.2): one perl process per host, run over the host's SSH master connection as one session,
 * sent there on its stdin (nothing is installed on the host). It starts each run's supervisor (the very SUPERVISOR_CORE
 * local runs use) under `remote.dir/RUN-FOLDER/`, follows the spools and results of the runs the engine asks it to,
 * signals process groups and removes run folders. All runs of a host share this one session, so the host's sshd
 * `MaxSessions` (10 by default) is never a limit, and a launch costs one round trip instead of a new session.
 *
 * Supervisors are forked into sessions of their own, so the agent, its SSH session and the engine may all vanish
 * without harm to a run: a new agent finds everything again from the run folder (`pids`, `output`, `result.json`).
 *
 * The agent's first line is `apsis-agent 1` (AGENT_HELLO): the engine skips whatever a login script printed before.
 * Wire format, both ways: a header line of space-separated tokens whose last token is the byte length of a body that
 * follows (fields in a body are NUL-separated; paths and arguments travel only in bodies).
 * Engine → agent:
 *   hello 0 | BASE                      the run folders' parent (relative to the home directory or absolute)
 *   launch ID WAIT_MS | NAME ARGC ARGV... ENVC NAME=VALUE...
 *   follow FID OFFSET | DIR             stream DIR/output from OFFSET, then its result
 *   unfollow FID |
 *   signal ID | DIR SIGNAL              to the run's process group
 *   alive ID | DIR                      whether its supervisor or process group lives
 *   remove ID KILL | DIR                KILL 1: SIGKILL to the process group first (a run given up as lost)
 *   ping ID |
 * Agent → engine:
 *   ready 0 | HOSTNAME USER HOME BASE
 *   launched ID PID SUPERVISOR_PID START | DIR     START: epoch seconds of the job's exec
 *   failed ID | MESSAGE
 *   out FID OFFSET | BYTES
 *   end FID | RESULT_JSON               empty: neither a result nor a supervisor exists (lost)
 *   done ID VALUE |                     reply to signal, alive, remove, ping (VALUE 1 or 0)
 *   error 0 | MESSAGE                   a request the agent could not read
 */
import { SUPERVISOR_CORE } from '../procs/supervisor-script.js';

const AGENT_LOOP = String.raw`
use File::Path ();
our ($base, $home, $eof, $in, %follows, %launches);
$in = '';
$rusage_nr = 0;
if ($^O eq 'linux') {
  require Config;
  my $arch = $Config::Config{archname} // '';
  $rusage_nr = $arch =~ /^x86_64/ ? 98 : $arch =~ /^(aarch64|riscv64)/ ? 165 : 0;
}

sub send_msg {
  my ($head, $body) = @_;
  $body //= '';
  my $m = "$head " . length($body) . "\n" . $body;
  my $off = 0;
  while ($off < length $m) {
    my $n = syswrite(STDOUT, $m, length($m) - $off, $off);
    if (!defined $n) { next if $!{EINTR}; POSIX::_exit(0) }
    $off += $n;
  }
}

# A run folder: absolute, no . or .. component, named like ours, so remove can never reach anything else.
sub run_dir {
  my ($dir) = @_;
  return undef unless defined $dir && $dir =~ m{\A/} && $dir !~ m{(\A|/)\.\.?(/|\z)} && $dir !~ /\0/;
  return $dir =~ m{/apsis-[0-9a-f]+-[A-Za-z0-9._-]+\z} ? $dir : undef;
}

sub pids {
  my ($dir) = @_;
  open(my $fh, '<', "$dir/pids") or return ();
  my $line = <$fh> // '';
  close $fh;
  return $line =~ /\A(\d+) (\d+)/ ? ($1, $2) : ();
}

# Whether the run's supervisor still runs: on Linux its command line names the run's result file, since after a
# reboot the pid may be someone else's.
sub sup_alive {
  my ($dir) = @_;
  my (undef, $sup) = pids($dir);
  return 0 unless $sup;
  if (-e "/proc/$$/cmdline") {
    open(my $fh, '<', "/proc/$sup/cmdline") or return 0;
    my $cmd = <$fh> // '';
    close $fh;
    $cmd =~ s/\0.*//s;
    my $want = "apsis-supervisor $dir/result.json";
    return length($cmd) > 17 && substr($cmd, 0, 17) eq 'apsis-supervisor ' && index($want, $cmd) == 0 ? 1 : 0;
  }
  return kill(0, $sup) ? 1 : 0;
}

sub group_alive {
  my ($dir) = @_;
  my ($pgid) = pids($dir);
  return sup_alive($dir) || ($pgid && kill(0, -$pgid)) ? 1 : 0;
}

sub slurp {
  my ($path) = @_;
  open(my $fh, '<', $path) or return undef;
  local $/;
  my $text = <$fh>;
  close $fh;
  return $text // '';
}

sub hello {
  my ($dir) = @_;
  $home = $ENV{HOME} // (getpwuid $<)[7] // '/';
  $base = $dir =~ m{\A/} ? $dir : "$home/$dir";
  $base =~ s{/+\z}{};
  File::Path::make_path($base, { mode => 0700, error => \my $err });
  -d $base or return send_msg('error 0', "cannot create remote.dir $base: " . join('; ', map { values %$_ } @$err));
  my $user = (getpwuid $<)[0] // $ENV{USER} // '';
  send_msg('ready 0', join("\0", (POSIX::uname())[1], $user, $home, $base));
}

sub launch {
  my ($lid, $wait_ms, $body) = @_;
  my ($name, @f) = split /\0/, $body, -1;
  my $dir = run_dir("$base/" . ($name // ''));
  return send_msg("failed $lid", 'bad run folder name') unless defined $name && $name !~ m{/} && defined $dir;
  if (-e $dir) {
    return send_msg("failed $lid", "run folder $dir is in use by a running process") if sup_alive($dir);
    File::Path::remove_tree($dir);
  }
  mkdir($dir, 0700) or return send_msg("failed $lid", "cannot create run folder $dir: $!");
  my $argc = shift(@f) // 0;
  my @argv = splice @f, 0, $argc;
  my $envc = shift(@f) // -1;
  unless ($argc > 0 && @argv == $argc && @f == $envc) {
    File::Path::remove_tree($dir);
    return send_msg("failed $lid", 'bad launch request');
  }
  # The remote login environment plus what the engine sends (APSIS_RUN_ID, APSIS_JOB_ID).
  my %env = %ENV;
  for (@f) { my ($k, $v) = split /=/, $_, 2; $env{$k} = $v }
  my $wait = $wait_ms / 1000;
  my $at = $wait > 0 && $hires ? Time::HiRes::time() + $wait : 0;
  my @fields = ("$dir/result.json", "$dir/output", $home, $rusage_nr, $at, $wait, scalar @argv, @argv,
    scalar(keys %env), map { "$_=$env{$_}" } sort keys %env);
  my $fail = sub { File::Path::remove_tree($dir); send_msg("failed $lid", $_[0]) };
  pipe(my $r, my $w) or return $fail->("pipe: $!");
  my $pid = fork;
  return $fail->("fork: $!") unless defined $pid;
  if (!$pid) {
    # The child: this run's supervisor, in its own session; its one reply line goes to the agent through the pipe.
    close $r;
    open(STDOUT, '>&', $w) or POSIX::_exit(1);
    close $w;
    $| = 1;
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setsid();
    open(STDIN, '<', '/dev/null');
    $id = $lid;
    $pids_file = "$dir/pids";
    supervise(@fields);
    POSIX::_exit(0);
  }
  close $w;
  $launches{fileno $r} = { fh => $r, id => $lid, dir => $dir, buf => '' };
}

sub launch_reply {
  my ($l) = @_;
  my $n = sysread($l->{fh}, $l->{buf}, 4096, length $l->{buf});
  return if $n;
  close $l->{fh};
  my ($line) = split /\n/, $l->{buf}, 2;
  $line //= '';
  if ($line =~ /\A\S+ ok (\d+) (\d+)(?: (\S+))?/) {
    my $start = $3 // sprintf('%.6f', $hires ? Time::HiRes::time() : time);
    send_msg("launched $l->{id} $1 $2 $start", $l->{dir});
  } else {
    # Nothing runs: the run folder goes with the failed launch.
    File::Path::remove_tree($l->{dir});
    send_msg("failed $l->{id}", $line =~ /\A\S+ error (.*)/ ? $1 : 'the supervisor ended without a reply');
  }
  return 1;
}

# One look at every followed run: at most 64 KiB of output each, then its result once the output is read.
# Returns true when some run has more output waiting.
sub poll {
  my $more = 0;
  for my $fid (keys %follows) {
    my $f = $follows{$fid};
    my $spool = "$f->{dir}/output";
    my $size = -s $spool // 0;
    if ($size > $f->{off}) {
      if (open(my $fh, '<', $spool)) {
        sysseek($fh, $f->{off}, 0);
        my $n = sysread($fh, my $buf, 65536);
        close $fh;
        if ($n) {
          send_msg("out $fid $f->{off}", $buf);
          $f->{off} += $n;
          if ($f->{off} < $size) { $more = 1; next }
        }
      }
    }
    if (!defined $f->{final}) {
      my $result = slurp("$f->{dir}/result.json");
      if (!defined $result && ++$f->{polls} % 5 == 0 && !sup_alive($f->{dir})) {
        # The supervisor may have renamed its result into place just before exiting.
        $result = slurp("$f->{dir}/result.json") // '';
      }
      next unless defined $result;
      $f->{result} = $result;
      # A background child of the job may still write: read what is there now, then end.
      $f->{final} = -s $spool // 0;
      if ($f->{final} > $f->{off}) { $more = 1; next }
    }
    if ($f->{off} >= $f->{final}) {
      send_msg("end $fid", $f->{result});
      delete $follows{$fid};
    } else {
      $more = 1;
    }
  }
  return $more;
}

sub request {
  my ($head, $body) = @_;
  my ($verb, $rid, @a) = split / /, $head;
  if ($verb eq 'hello') { return hello($body) }
  if ($verb eq 'ping') { return send_msg("done $rid 1") }
  return send_msg('error 0', "request before hello: $verb") unless defined $base;
  if ($verb eq 'launch') { return launch($rid, $a[0] // 0, $body) }
  if ($verb eq 'unfollow') { delete $follows{$rid}; return }
  my ($path, $sig) = split /\0/, $body, -1;
  my $dir = run_dir($path);
  if ($verb eq 'follow') {
    return send_msg("end $rid", '') unless defined $dir;
    $follows{$rid} = { dir => $dir, off => $a[0] // 0, polls => 0 };
    return;
  }
  return send_msg("done $rid 0") unless defined $dir;
  if ($verb eq 'signal') {
    my ($pgid) = pids($dir);
    $sig = defined $sig ? $sig =~ s/\ASIG//r : '';
    return send_msg("done $rid " . ($pgid && $sig =~ /\A[A-Z0-9]+\z/ && kill($sig, -$pgid) ? 1 : 0));
  }
  if ($verb eq 'alive') { return send_msg("done $rid " . group_alive($dir)) }
  if ($verb eq 'remove') {
    my ($pgid, $sup) = pids($dir);
    if ($a[0] && $pgid && sup_alive($dir)) {
      # The supervisor first: left alive, it would see its job die and write result.json into the folder being removed.
      kill('KILL', $sup);
      kill('KILL', -$pgid);
    }
    # A file written just before the kill took effect can make one pass fail: a few more, briefly.
    for my $try (1 .. 5) {
      last unless -e $dir;
      File::Path::remove_tree($dir);
      select(undef, undef, undef, 0.05) if -e $dir;
    }
    return send_msg("done $rid " . (-e $dir ? 0 : 1));
  }
  send_msg('error 0', "unknown request: $verb");
}

sub requests {
  for (;;) {
    my $nl = index($in, "\n");
    return if $nl < 0;
    my $head = substr($in, 0, $nl);
    my ($len) = $head =~ / (\d+)\z/ or do { send_msg('error 0', 'bad request header'); POSIX::_exit(2) };
    return if length($in) < $nl + 1 + $len;
    my $body = substr($in, $nl + 1, $len);
    substr($in, 0, $nl + 1 + $len) = '';
    $head =~ s/ \d+\z//;
    request($head, $body);
  }
}

# The first line: what a login script printed before it is skipped by the engine.
syswrite(STDOUT, "apsis-agent 1\n");
my $next_poll = 0;
for (;;) {
  my $rin = '';
  vec($rin, 0, 1) = 1 unless $eof;
  vec($rin, $_, 1) = 1 for keys %launches;
  last if $eof && !%launches;
  my $now = $hires ? Time::HiRes::time() : time;
  my $timeout = $next_poll - $now;
  $timeout = 0 if $timeout < 0;
  my $n = select(my $rout = $rin, undef, undef, %follows ? $timeout : undef);
  if ($n > 0) {
    if (!$eof && vec($rout, 0, 1)) {
      my $got = sysread(STDIN, $in, 65536, length $in);
      if ($got) { requests() } elsif (!defined $got && $!{EINTR}) { } else { $eof = 1 }
    }
    for my $fd (keys %launches) {
      delete $launches{$fd} if vec($rout, $fd, 1) && launch_reply($launches{$fd});
    }
  }
  $now = $hires ? Time::HiRes::time() : time;
  if (%follows && $now >= $next_poll) {
    # Output reaches the engine within 0.2 s of being written (SPEC 24.2: within 1 s).
    $next_poll = poll() ? $now : $now + 0.2;
  }
}
`;

/** The agent program: the supervisor core and the agent's loop. */
export const AGENT_SCRIPT = SUPERVISOR_CORE + AGENT_LOOP;

/**
 * The remote command of the agent's SSH session: it reads the agent program from stdin (its byte length on the first
 * line) and runs it, so only this short line passes through the remote login shell. It holds no single quote and no
 * character any common shell (sh, bash, zsh, csh, fish) treats specially inside single quotes. It reads with sysread
 * only: a buffered read could swallow the first requests, which the agent then reads with sysread too.
 */
export const AGENT_BOOTSTRAP =
  "exec perl -e 'my ($n, $s, $c) = (q(), q()); " +
  'while (sysread(STDIN, $c, 1) and $c ne qq(\\n)) { $n .= $c } ' +
  '$n =~ /^[0-9]+$/ or die qq(apsis: bad agent bootstrap\\n); ' +
  'while (length($s) < $n) { sysread(STDIN, $s, $n - length($s), length($s)) or last } ' +
  "length($s) == $n or die qq(apsis: short agent program\\n); eval $s; die $@ if $@'";
