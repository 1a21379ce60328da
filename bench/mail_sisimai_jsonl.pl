#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Runs Debian's Sisimai (libsisimai-perl) over mail files/directories and prints the same JSONL
# as `parse-mail --format jsonl`, so that tests/data/tools/score-parse-mail can score it.
# usage: perl bench/mail_sisimai_jsonl.pl FILE|DIR...
use strict;
use warnings;
use File::Find;
use JSON::PP;
use Sisimai;

my @files;
for my $arg (@ARGV) {
  if (-d $arg) {
    find({ wanted => sub { push @files, $File::Find::name if -f $_ }, no_chdir => 1 }, $arg);
  } else {
    push @files, $arg;
  }
}
my $json = JSON::PP->new->canonical(1);
for my $f (sort @files) {
  my $list = eval { Sisimai->make($f, 'delivered' => 1, 'vacation' => 1) } // [];
  my $i = 0;
  for my $e (@$list) {
    print $json->encode({
      file => $f, index => ++$i, recipient => $e->recipient->address,
      status => $e->deliverystatus // '', replycode => $e->replycode // '',
      reason => $e->reason // "", hardbounce => (($e->softbounce // 1) == 0 ? 1 : 0),
      feedbacktype => $e->feedbacktype // '',
    }), "\n";
  }
}
