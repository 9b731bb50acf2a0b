package io.cutover.proxy.core.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation, such as 10.1.0.0/16. */
public record Cidr(byte[] network, int prefixLength, String text) {

    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new RouteTableException("\"" + text + "\" is not CIDR notation (address/prefix-length)");
        }
        String address = text.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            // Only literal addresses: a host name here would mean a DNS lookup.
            throw new RouteTableException("\"" + text + "\" has no literal IP address");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new RouteTableException("\"" + text + "\" has an invalid address");
        }
        int length;
        try {
            length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new RouteTableException("\"" + text + "\" has an invalid prefix length");
        }
        if (length < 0 || length > bytes.length * 8) {
            throw new RouteTableException("\"" + text + "\" has a prefix length outside 0.." + bytes.length * 8);
        }
        return new Cidr(bytes, length, text);
    }

    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
