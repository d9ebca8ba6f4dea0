"""jepa-claims: replication suite for the late semantic repair pathway in I-JEPA."""
