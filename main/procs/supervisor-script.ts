/**
 * The per-run supervisors (SPEC 6.2), forked by one small Perl program run as `perl -e SUPERVISOR_SCRIPT`: a fork
 * server. The launcher helper starts it once; for each request it forks, and the child becomes that run's
 * supervisor in its own session, so a launch costs a fork of a small process instead of a spawn of perl from Node
 * (whose fork/exec cost grows with the helper's memory) plus perl's start-up.
 *
 * Why Perl and not Node or sh (measured on a 2-core Linux dev box):
 * - a Node supervisor costs ~50 ms of CPU to start and ~40 MB RSS (~13 MB PSS) per running job, which
 *   would cap launches near the 18/s this design exists to escape;
 * - a POSIX shell cannot tell `exit 143` from death by SIGTERM (`wait` folds both into 143) and has no
 *   way to read the child's resource usage;
 * - perl (perl-base is Essential on Debian/Ubuntu, present on RHEL and macOS) starts in ~2 ms at ~5 MB
 *   RSS, and `waitpid` gives the raw wait status.
 * Only perl-base is needed. Time::HiRes, when there, is loaded once by the fork server (its supervisors inherit it):
 * it gives the instant of each exec, a job made ready ahead of its start time waits for that instant with it, and
 * it gives the millisecond end time. Config (signal names) loads only when a signal killed a job: it costs
 * milliseconds of CPU.
 *
 * Requests (stdin, each a decimal byte length, a newline, then that many bytes, NUL-separated, so no secret from
 * the environment shows in `ps`): id, result, spool, cwd, getrusage syscall number (0: none), start time (epoch
 * seconds, 0: at once), the same as seconds from now (for a perl without Time::HiRes), argc, argv..., envc,
 * NAME=VALUE...
 * A job with a start time is made ready at once (forked, its process group, directory, files and environment set)
 * and execs at that instant: a launch begun ahead of its schedule time starts on time, whatever the engine is doing
 * then.
 * Replies (stdout, one line each, written whole): `ID ok PID SUPERVISOR_PID [EXEC_TIME]` once the job has exec'd
 * (EXEC_TIME: epoch seconds taken by the job's process just before its exec, with Time::HiRes), or
 * `ID error MESSAGE`. After its reply a supervisor's stdio points at /dev/null, so the launcher and the fork
 * server may vanish without harm. The fork server ends at the end of its stdin.
 * Result file (written to RESULT.tmp, then renamed): see ExitResult in local-process.ts.
 *
 * rusage: getrusage(RUSAGE_CHILDREN) through `syscall` on 64-bit Linux (the number comes from the
 * launcher, see rusageSyscall) gives utime, stime and maxrss of the job, descendants it waited for
 * included; elsewhere `times` gives utime and stime at clock-tick precision and maxrss stays null.
 * Errno values 2 (ENOENT) and 13 (EACCES) are the same on Linux, macOS and the BSDs.
 */
export const SUPERVISOR_CORE = String.raw`
use strict;
use POSIX ();
$| = 1;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = 'IGNORE'; # supervisors are reaped at once; each one waits for its own job

# $pids_file: when set (the remote agent sets it), the supervisor writes "PID SUPERVISOR_PID" there once its job has
# exec'd, so the run folder alone leads to the process group even when nobody saw the reply.
our ($id, $result, $spool, $cwd, $rusage_nr, $pids_file);
our $hires = eval { require Time::HiRes; 1 };

sub fail { print "$id error $_[0]\n"; exit 1 }

sub json_str {
  my ($s) = @_;
  return 'null' unless defined $s;
  $s =~ s/(["\\])/\\$1/g;
  $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;
  return qq("$s");
}

sub json_num { defined $_[0] ? 0 + sprintf('%.6f', $_[0]) : 'null' }

sub iso_now {
  my $t = eval { require Time::HiRes; Time::HiRes::time() } || time;
  my @g = gmtime int $t;
  sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0], ($t - int $t) * 1000);
}

sub record {
  my ($code, $signal, $rusage, $error) = @_;
  my $json = sprintf('{"exit_code":%s,"signal":%s,"rusage":%s,"end_time":%s,"error":%s}' . "\n",
    json_num($code), json_str($signal), $rusage, json_str(iso_now()), json_str($error));
  open(my $fh, '>', "$result.tmp") or return;
  print $fh $json;
  close $fh and rename "$result.tmp", $result;
}

sub rusage {
  my $buf = "\0" x 144;
  if ($rusage_nr && length(pack('l!', 0)) == 8 && syscall($rusage_nr, -1, $buf) == 0) {
    my @r = unpack('l!18', $buf);
    return sprintf('{"utime":%s,"stime":%s,"maxrss":%s}',
      json_num($r[0] + $r[1] / 1e6), json_num($r[2] + $r[3] / 1e6), json_num($r[4] * 1024));
  }
  my (undef, undef, $cu, $cs) = times;
  return sprintf('{"utime":%s,"stime":%s,"maxrss":null}', json_num($cu), json_num($cs));
}

sub supervise {
  my @f = @_;
  ($result, $spool, $cwd, $rusage_nr, my $at, my $wait, my $argc) = splice @f, 0, 7;
  defined $argc && $argc > 0 && @f > $argc or fail('bad request from the launcher');
  my @argv = splice @f, 0, $argc;
  my $envc = shift @f;
  @f == $envc or fail('bad request from the launcher');
  my %env = map { split /=/, $_, 2 } @f;
  $0 = "apsis-supervisor $result";

  # The run's folder, made here in the run's own process (the launcher makes sure its parent exists): a busy file
  # system makes mkdir wait, and the launcher serves every launch. 17 is EEXIST (Linux, macOS, the BSDs).
  my ($dir) = $result =~ m{\A(.+)/[^/]+\z};
  if (defined $dir && !mkdir($dir) && ($! + 0) != 17) { fail("cannot create run directory $dir: $!") }
  unlink $result;
  open(my $out, '>', $spool) or fail("cannot create output file $spool: $!");
  pipe(my $er, my $ew) or fail("pipe: $!");
  my $pid = fork;
  defined $pid or fail("fork: $!");
  if (!$pid) {
    close $er;
    setpgrp(0, 0);
    if (chdir $cwd) {
      open(STDIN, '<', '/dev/null');
      open(STDOUT, '>&', $out);
      open(STDERR, '>&', $out);
      $SIG{PIPE} = 'DEFAULT';
      %ENV = %env;
      if ($hires) {
        # A wall clock stepped back meanwhile would stretch the wait: it never lasts longer than the wait asked for.
        while ((my $left = $at - Time::HiRes::time()) > 0) {
          last if $left > $wait + 0.01;
          select(undef, undef, undef, $left);
        }
        syswrite $ew, sprintf("start %.6f\n", Time::HiRes::time());
      } elsif ($wait > 0) {
        select(undef, undef, undef, $wait);
      }
      exec { $argv[0] } @argv;
      print $ew 'exec ' . ($! + 0);
    } else {
      print $ew 'chdir ' . ($! + 0);
    }
    close $ew;
    POSIX::_exit(127);
  }
  close $ew;
  close $out;
  setpgrp($pid, $pid);
  my $failure = do { local $/; <$er> } // '';
  close $er;
  my $start = $failure =~ s/\Astart (\S+)\n// ? " $1" : '';
  if (length $failure) {
    waitpid($pid, 0);
    my ($step, $errno) = split / /, $failure;
    $! = $errno;
    my $msg = $step eq 'chdir'
      ? ($errno == 2 ? "no such directory: $cwd" : "cannot change to directory $cwd: $!")
      : ($errno == 2 ? "no such file: $argv[0]" : $errno == 13 ? "permission denied: $argv[0]" : "cannot execute $argv[0]: $!");
    record(undef, undef, 'null', $msg);
    fail($msg);
  }
  if (defined $pids_file && open(my $pf, '>', $pids_file)) {
    print $pf "$pid $$\n";
    close $pf;
  }
  print "$id ok $pid " . $$ . "$start\n";
  open(STDIN, '<', '/dev/null');
  open(STDOUT, '>', '/dev/null');
  open(STDERR, '>', '/dev/null');
  waitpid($pid, 0);
  my $status = $?;
  my $signal;
  if ($status & 127) {
    require Config;
    my @names = split / /, $Config::Config{sig_name};
    $signal = 'SIG' . ($names[$status & 127] // ($status & 127));
  }
  record($signal ? undef : $status >> 8, $signal, rusage(), undef);
}
`;

/** The fork server: SUPERVISOR_CORE and a loop forking one supervisor per request on stdin. */
export const SUPERVISOR_SCRIPT =
  SUPERVISOR_CORE +
  String.raw`
while (defined(my $len = <STDIN>)) {
  chomp $len;
  $len =~ /^\d+$/ or last;
  my $n = read(STDIN, my $req, $len);
  defined $n && $n == $len or last;
  my @f = split /\0/, $req, -1;
  $id = shift @f;
  my $pid = fork;
  if (!defined $pid) { print "$id error fork: $!\n"; next }
  next if $pid;
  # The child: this run's supervisor, in its own session, waiting for its own job.
  $SIG{CHLD} = 'DEFAULT';
  POSIX::setsid();
  open(STDIN, '<', '/dev/null');
  supervise(@f);
  exit 0;
}
`;
