export { NatsSink, natsSubject, STREAM_NAME, type NatsSinkOptions } from './nats-sink.ts';
