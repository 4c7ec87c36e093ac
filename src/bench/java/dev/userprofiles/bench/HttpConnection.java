package dev.userprofiles.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.userprofiles.infra.TestTokens;
import org.jspecify.annotations.Nullable;

/**
 * One keep-alive HTTP/1.1 connection, used by one thread. Hand-written rather than the
 * JDK's {@code HttpClient} so that the load generator holds exactly the connections it is
 * told to, and spends a few microseconds per request instead of tens: on a 2-core
 * machine, the generator's CPU is taken from the service it measures.
 */
final class HttpConnection implements Closeable {

	private static final int TIMEOUT_MILLIS = 10_000;

	private final int port;

	private final byte[] hostHeader;

	private @Nullable Socket socket;

	private @Nullable OutputStream out;

	private @Nullable InputStream in;

	private final byte[] line = new byte[8192];

	HttpConnection(int port) {
		this.port = port;
		this.hostHeader = ("Host: 127.0.0.1:" + port + "\r\nAccept: application/json\r\nAuthorization: Bearer "
				+ TestTokens.admin() + "\r\n")
			.getBytes(StandardCharsets.US_ASCII);
	}

	/** Sends {@code GET path} and reads the whole response. */
	int get(String path) throws IOException {
		return exchange("GET", path, null);
	}

	/** Sends {@code PUT path} with a JSON body and reads the whole response. */
	int put(String path, byte[] json) throws IOException {
		return exchange("PUT", path, json);
	}

	private int exchange(String method, String path, byte @Nullable [] body) throws IOException {
		if (this.socket == null) {
			connect();
		}
		try {
			OutputStream out = this.out;
			out.write((method + " " + path + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII));
			out.write(this.hostHeader);
			if (body != null) {
				out.write(("Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.write(body);
			}
			else {
				out.write('\r');
				out.write('\n');
			}
			out.flush();
			return readResponse();
		}
		catch (IOException | RuntimeException ex) {
			close();
			throw ex;
		}
	}

	private int readResponse() throws IOException {
		int length = readLine();
		if (length < 12) {
			throw new IOException("Bad status line");
		}
		int status = (this.line[9] - '0') * 100 + (this.line[10] - '0') * 10 + (this.line[11] - '0');
		long contentLength = -1;
		boolean chunked = false;
		boolean closeAfter = false;
		while ((length = readLine()) > 0) {
			String header = new String(this.line, 0, length, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
			if (header.startsWith("content-length:")) {
				contentLength = Long.parseLong(header.substring(15).trim());
			}
			else if (header.startsWith("transfer-encoding:") && header.contains("chunked")) {
				chunked = true;
			}
			else if (header.startsWith("connection:") && header.contains("close")) {
				closeAfter = true;
			}
		}
		if (chunked) {
			long size;
			while ((size = Long.parseLong(readLineString().trim(), 16)) > 0) {
				skip(size);
				readLine();
			}
			// trailers, up to the empty line
			while (readLine() > 0) {
			}
		}
		else if (contentLength > 0) {
			skip(contentLength);
		}
		if (closeAfter) {
			close();
		}
		return status;
	}

	private String readLineString() throws IOException {
		int length = readLine();
		return new String(this.line, 0, length, StandardCharsets.US_ASCII);
	}

	/** Reads a line without its CRLF into {@link #line}; returns its length. */
	private int readLine() throws IOException {
		int length = 0;
		InputStream in = this.in;
		while (true) {
			int b = in.read();
			if (b < 0) {
				throw new EOFException("Connection closed by the server");
			}
			if (b == '\n') {
				return (length > 0 && this.line[length - 1] == '\r') ? length - 1 : length;
			}
			if (length == this.line.length) {
				throw new IOException("Line too long");
			}
			this.line[length++] = (byte) b;
		}
	}

	private void skip(long bytes) throws IOException {
		long left = bytes;
		while (left > 0) {
			int read = this.in.read(this.line, 0, (int) Math.min(left, this.line.length));
			if (read < 0) {
				throw new EOFException("Connection closed by the server");
			}
			left -= read;
		}
	}

	private void connect() throws IOException {
		Socket socket = new Socket();
		socket.setTcpNoDelay(true);
		socket.setSoTimeout(TIMEOUT_MILLIS);
		socket.connect(new InetSocketAddress("127.0.0.1", this.port), TIMEOUT_MILLIS);
		this.socket = socket;
		this.out = new BufferedOutputStream(socket.getOutputStream(), 4096);
		this.in = new BufferedInputStream(socket.getInputStream(), 16384);
	}

	@Override
	public void close() {
		Socket socket = this.socket;
		this.socket = null;
		this.out = null;
		this.in = null;
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// closing anyway
			}
		}
	}

}
