// Label fragment shader: the atlas texel, straight (not premultiplied) RGBA as Pillow drew it. Uniform: u_atlas.
uniform sampler2D u_atlas;
varying vec2 v_texcoord;

void main() {
    gl_FragColor = texture2D(u_atlas, v_texcoord);
}
