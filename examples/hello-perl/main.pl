# A hello worker for the perl stacks (perl-5.36, perl-5.40). Dockhand hands the task its payload in the
# file named by PAYLOAD_FILE; JSON written to RESULT_FILE becomes the task's result; stdout is its log.
#   dockhand run examples/hello-perl --stack perl-5.40 --payload '{"name":"you"}'
use strict;
use warnings;
use JSON::PP;

my $payload = eval {
  open(my $in, '<', $ENV{PAYLOAD_FILE}) or die "no payload\n";
  local $/;
  my $parsed = decode_json(<$in>);
  ref $parsed eq 'HASH' ? $parsed : {};
} || {};    # no payload, or plain text: greet the world

my $greeting = sprintf('Hello, %s!', $payload->{name} // 'world');
print "$greeting\n";
printf "perl %vd\n", $^V;
open(my $out, '>', $ENV{RESULT_FILE}) or die "cannot write the result: $!\n";
print $out encode_json({ greeting => $greeting });
