package io.cutover.proxy.server.net;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A RequestSender and ResponseReceiver that only remember: what was forwarded (the test releases
 * it), what was answered (the request is released, as the contract says), and how often each side
 * was flushed.
 */
final class RecordingPeers implements RequestSender, ResponseReceiver {
    final List<RequestFrame> forwarded = new ArrayList<>();
    final List<ApiMessage> answers = new ArrayList<>();
    int upstreamFlushes;
    int clientFlushes;

    @Override
    public InFlightRequest forward(RequestFrame request) {
        forwarded.add(request);
        return null;
    }

    @Override
    public void flushUpstream() {
        upstreamFlushes++;
    }

    @Override
    public void answer(RequestFrame request, ApiMessage response) {
        answers.add(response);
        request.release();
    }

    @Override
    public void answerEncoded(RequestFrame request, ByteBuf response) {
        response.release();
        request.release();
        throw new UnsupportedOperationException("not recorded");
    }

    @Override
    public void answerLater(RequestFrame request, CompletionStage<? extends ApiMessage> answer) {
        request.release();
        throw new UnsupportedOperationException("not recorded");
    }

    @Override
    public InFlightRequest correlate(ByteBuf response) {
        throw new UnsupportedOperationException("not recorded");
    }

    /** What nextFromUpstream answers. */
    InFlightRequest next;
    /** What went ahead of its response's end, in order (the test releases it). */
    final List<ByteBuf> sentAhead = new ArrayList<>();

    @Override
    public InFlightRequest nextFromUpstream() {
        return next;
    }

    @Override
    public void sendAhead(ByteBuf piece) {
        sentAhead.add(piece);
    }

    @Override
    public void deliver() {
    }

    @Override
    public void flushClient() {
        clientFlushes++;
    }

    void releaseForwarded() {
        forwarded.forEach(RequestFrame::release);
        forwarded.clear();
    }
}
