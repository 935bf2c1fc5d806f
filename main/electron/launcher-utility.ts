/**
 * Entry of the launcher helper's utility process (utility-helper.ts): the helper itself, with the Node child IPC
 * API it expects bridged over `process.parentPort`. The helper's listeners are registered when its module loads,
 * before any message can arrive.
 */
import '../procs/launcher-child.js';
import { bridgeParentPort } from './utility-helper.js';

bridgeParentPort(process.parentPort, {
  setSend: (send) => {
    process.send = send;
  },
  deliver: (message) => process.emit('message', message, undefined),
  disconnect: () => process.emit('disconnect'),
});
