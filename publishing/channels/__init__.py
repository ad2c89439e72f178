"""Social networks behind one interface (base.Channel), looked up by kind
through publishing.channels.registry."""
